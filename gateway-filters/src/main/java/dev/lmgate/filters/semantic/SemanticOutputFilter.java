package dev.lmgate.filters.semantic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lmgate.filters.http.ServiceConfig;
import dev.lmgate.filters.policy.Glob;
import dev.lmgate.spi.BaseFilter;
import dev.lmgate.spi.ConfigException;
import dev.lmgate.spi.ConfigReader;
import dev.lmgate.spi.FilterDescription;
import dev.lmgate.spi.FilterEnvironment;
import dev.lmgate.spi.FilterFactory;
import dev.lmgate.spi.FilterSettings;
import dev.lmgate.spi.GatewayFilter;
import dev.lmgate.spi.OutputChannel;
import dev.lmgate.spi.OutputText;
import dev.lmgate.spi.Rejection;
import dev.lmgate.spi.RequestView;
import dev.lmgate.spi.ResponseView;
import dev.lmgate.spi.StreamInspector.StreamDecision;
import dev.lmgate.spi.StreamReview;
import dev.lmgate.spi.Verdict;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * {@code output-semantics}: how alike an answer is to known harmful answers (exemplars, with
 * categories), and, per route, to the topics the route is for (off-topic answers). Whole answers
 * are judged before release; streams as {@code llm-judge} judges them (a cadence, the end,
 * optionally held). The embedder is the built-in {@link HashedEmbedder} unless {@code embeddings:}
 * names an OpenAI-compatible endpoint (LM Studio with an embedding model).
 */
public final class SemanticOutputFilter extends BaseFilter {
  public static final String ID = "output-semantics";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A known harmful answer. */
  public record Exemplar(String text, String category) {}

  /** Routes (globs) whose answers must stay near one of the allowed topics. */
  public record TopicRule(List<Glob> routes, List<String> allowed, double threshold) {}

  /**
   * @param exemplars known harmful answers (may be empty)
   * @param harmfulThreshold similarity at or above which an answer counts as harmful
   * @param topics per-route topic rules, first match wins
   * @param streamCadence characters of new streamed output between judgements; 0: only the whole
   * @param streamHold whether streamed text waits for a judgement that passes it
   */
  public record Settings(
      List<Exemplar> exemplars,
      double harmfulThreshold,
      List<TopicRule> topics,
      int streamCadence,
      boolean streamHold) {
    public Settings {
      exemplars = List.copyOf(exemplars);
      topics = List.copyOf(topics);
    }
  }

  /** What the answer was found to be; {@code reason} empty when nothing. */
  record Finding(String code, String reason) {
    static final Finding NONE = new Finding("", "");
  }

  private final Settings settings;
  private final Embedder embedder;
  // reference vectors, embedded once on first use (again after a failure)
  private final AtomicReference<CompletableFuture<List<float[]>>> exemplarVectors =
      new AtomicReference<>();
  private final List<AtomicReference<CompletableFuture<List<float[]>>>> topicVectors =
      new ArrayList<>();

  public SemanticOutputFilter(FilterSettings filterSettings, Settings settings, Embedder embedder) {
    super(ID, filterSettings);
    this.settings = settings;
    this.embedder = embedder;
    for (int i = 0; i < settings.topics().size(); i++) {
      topicVectors.add(new AtomicReference<>());
    }
  }

  private int topicRule(RequestView request) {
    for (int i = 0; i < settings.topics().size(); i++) {
      if (Glob.any(settings.topics().get(i).routes(), request.route().id())) {
        return i;
      }
    }
    return -1;
  }

  private boolean applies(RequestView request) {
    return request.route().operation().carriesPrompt()
        && (!settings.exemplars().isEmpty() || topicRule(request) >= 0);
  }

  @Override
  public boolean inspectsResponse(RequestView request) {
    return applies(request) && !request.conversation().stream();
  }

  @Override
  public CompletionStage<Verdict> onResponse(ResponseView response) {
    StringBuilder answer = new StringBuilder();
    for (OutputText o : response.outputs()) {
      if (o.channel() == OutputChannel.CONTENT) {
        answer.append(o.text()).append('\n');
      }
    }
    return judge(response.request(), answer.toString())
        .thenApply(
            f ->
                f.code().isEmpty()
                    ? Verdict.pass()
                    : Verdict.block(
                        f.reason(),
                        new Rejection(
                            403,
                            "content_filter",
                            "content_filter",
                            "",
                            "The response was blocked by the gateway's content policy ("
                                + f.code()
                                + ").",
                            Map.of())));
  }

  @Override
  public Optional<StreamReview> streamReview(RequestView request) {
    if (!applies(request) || !request.conversation().stream()) {
      return Optional.empty();
    }
    return Optional.of(
        StreamReview.of(
            settings.streamCadence(),
            settings.streamHold(),
            answer -> {
              if (!answer.complete() && topicRule(request) >= 0 && settings.exemplars().isEmpty()) {
                // the start of an answer says little about its topic: only the whole is judged
                return CompletableFuture.completedFuture(StreamDecision.pass());
              }
              return judge(request, answer.text(OutputChannel.CONTENT), answer.complete())
                  .thenApply(
                      f ->
                          f.code().isEmpty()
                              ? StreamDecision.pass()
                              : StreamDecision.block(f.reason()));
            }));
  }

  CompletionStage<Finding> judge(RequestView request, String text) {
    return judge(request, text, true);
  }

  /**
   * @param whole whether {@code text} is the whole answer: only then can it be off-topic
   */
  private CompletionStage<Finding> judge(RequestView request, String text, boolean whole) {
    if (text.isBlank()) {
      return CompletableFuture.completedFuture(Finding.NONE);
    }
    int rule = whole ? topicRule(request) : -1;
    CompletionStage<List<float[]>> examples =
        settings.exemplars().isEmpty()
            ? CompletableFuture.completedFuture(List.of())
            : reference(
                exemplarVectors, settings.exemplars().stream().map(Exemplar::text).toList());
    CompletionStage<List<float[]>> topics =
        rule < 0
            ? CompletableFuture.completedFuture(List.of())
            : reference(topicVectors.get(rule), settings.topics().get(rule).allowed());
    return embedder
        .embed(List.of(text))
        .thenCombine(examples, (v, ex) -> new Object[] {v.get(0), ex})
        .thenCombine(topics, (pair, tv) -> decide((float[]) pair[0], castList(pair[1]), tv, rule));
  }

  @SuppressWarnings("unchecked")
  private static List<float[]> castList(Object o) {
    return (List<float[]>) o;
  }

  private Finding decide(float[] answer, List<float[]> exemplars, List<float[]> topics, int rule) {
    double best = -1;
    int bestAt = -1;
    for (int i = 0; i < exemplars.size(); i++) {
      double s = Embedder.similarity(answer, exemplars.get(i));
      if (s > best) {
        best = s;
        bestAt = i;
      }
    }
    if (bestAt >= 0 && best >= settings.harmfulThreshold()) {
      String category = settings.exemplars().get(bestAt).category();
      return new Finding(
          "harmful_similarity",
          String.format(
              Locale.ROOT,
              "similar to a harmful exemplar%s (%.2f, %s)",
              category.isEmpty() ? "" : " of " + category,
              best,
              embedder.name()));
    }
    if (rule >= 0) {
      double near = -1;
      for (float[] t : topics) {
        near = Math.max(near, Embedder.similarity(answer, t));
      }
      if (near < settings.topics().get(rule).threshold()) {
        return new Finding(
            "off_topic",
            String.format(
                Locale.ROOT, "off topic for this route (%.2f, %s)", near, embedder.name()));
      }
    }
    return Finding.NONE;
  }

  /** The reference vectors, embedded on first use; a failed attempt is forgotten. */
  private CompletionStage<List<float[]>> reference(
      AtomicReference<CompletableFuture<List<float[]>>> slot, List<String> texts) {
    CompletableFuture<List<float[]>> f = slot.get();
    if (f != null) {
      return f;
    }
    CompletableFuture<List<float[]>> mine = new CompletableFuture<>();
    if (!slot.compareAndSet(null, mine)) {
      return slot.get();
    }
    embedder
        .embed(texts)
        .whenComplete(
            (v, e) -> {
              if (e != null) {
                slot.set(null);
                mine.completeExceptionally(e);
              } else {
                mine.complete(List.copyOf(v));
              }
            });
    return mine;
  }

  /** Reads exemplars: a JSON-lines file of {"text", "category"} objects. */
  static List<Exemplar> readExemplars(String path, Path file) throws ConfigException {
    List<Exemplar> out = new ArrayList<>();
    try {
      int n = 0;
      for (String line : Files.readAllLines(file)) {
        n++;
        if (line.isBlank()) {
          continue;
        }
        JsonNode j = JSON.readTree(line);
        String text = j.path("text").asText("");
        if (text.isBlank()) {
          throw new ConfigException(path, file + ":" + n, "a JSON object with a \"text\"");
        }
        out.add(new Exemplar(text, j.path("category").asText("")));
      }
    } catch (IOException e) {
      throw new ConfigException(path, file.toString(), "a readable JSON-lines file of exemplars");
    }
    return out;
  }

  /** Builds the filter from YAML (docs/output-guard.md). */
  public static final class Factory implements FilterFactory {
    @Override
    public FilterDescription describe() {
      return FilterDescription.of(
              ID,
              FilterDescription.Stage.WHAT_COMES_OUT,
              "Compares answers with harmful exemplars and, per route, with the topics allowed.",
              "output-guard.md#output-semantics-harmful-exemplars-and-off-topic-answers")
          .handbook(3)
          .keys("embeddings", "max-chars", "harmful", "topics", "stream-cadence", "stream-hold");
    }

    @Override
    public GatewayFilter create(ConfigReader r, FilterSettings settings, FilterEnvironment env)
        throws ConfigException {
      int maxChars = (int) r.integer("max-chars", 4000, 64, 1_000_000);
      Embedder embedder = new HashedEmbedder(maxChars);
      if (r.has("embeddings")) {
        ConfigReader e = r.child("embeddings").only(Set.of("url", "model", "api-key"));
        Supplier<String> key = ServiceConfig.apiKey(e, env);
        HttpClient http = ServiceConfig.client(env);
        embedder =
            new RemoteEmbedder(
                ServiceConfig.baseUrl(e),
                e.requiredString("model"),
                key,
                http,
                settings.timeout(),
                maxChars);
      }
      List<Exemplar> exemplars = List.of();
      double harmfulThreshold = 1;
      if (r.has("harmful")) {
        ConfigReader h = r.child("harmful").only(Set.of("exemplars", "threshold"));
        exemplars = readExemplars(h.path() + ".exemplars", Path.of(h.requiredString("exemplars")));
        // defaults from the dev corpus's measurement (docs/guard-efficacy.md): no false positives
        harmfulThreshold = h.number("threshold", r.has("embeddings") ? 0.9 : 0.6, 0, 1);
      }
      List<TopicRule> topics = new ArrayList<>();
      if (r.has("topics")) {
        for (ConfigReader t : r.list("topics")) {
          t.only(Set.of("routes", "allowed", "threshold"));
          List<Glob> routes = new ArrayList<>();
          for (String g : t.strings("routes")) {
            routes.add(new Glob(g));
          }
          List<String> allowed = t.strings("allowed");
          if (routes.isEmpty() || allowed.isEmpty()) {
            throw new ConfigException(t.path(), "", "routes and allowed topics, both non-empty");
          }
          topics.add(new TopicRule(routes, allowed, t.number("threshold", 0.2, 0, 1)));
        }
      }
      if (exemplars.isEmpty() && topics.isEmpty()) {
        throw new ConfigException(
            r.path(), "", "harmful exemplars and/or topics to check answers against");
      }
      return new SemanticOutputFilter(
          settings,
          new Settings(
              exemplars,
              harmfulThreshold,
              topics,
              (int) r.integer("stream-cadence", 1000, 0, 1_000_000),
              r.bool("stream-hold", false)),
          embedder);
    }
  }
}
