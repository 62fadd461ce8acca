package dev.lmgate.filters.moderation;

import dev.lmgate.filters.http.ServiceConfig;
import dev.lmgate.filters.injection.PromptInjectionFilter;
import dev.lmgate.spi.BaseFilter;
import dev.lmgate.spi.ConfigException;
import dev.lmgate.spi.ConfigReader;
import dev.lmgate.spi.FilterDescription;
import dev.lmgate.spi.FilterEnvironment;
import dev.lmgate.spi.FilterFactory;
import dev.lmgate.spi.FilterSettings;
import dev.lmgate.spi.GatewayFilter;
import dev.lmgate.spi.Message;
import dev.lmgate.spi.OutputChannel;
import dev.lmgate.spi.OutputText;
import dev.lmgate.spi.Rejection;
import dev.lmgate.spi.RequestView;
import dev.lmgate.spi.ResponseView;
import dev.lmgate.spi.StreamInspector.StreamDecision;
import dev.lmgate.spi.StreamReview;
import dev.lmgate.spi.Verdict;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@code llm-judge} and {@code moderation-api}: a judge outside the gateway — a smaller LLM with a
 * safety taxonomy, or a {@code /v1/moderations}-shaped API — on the prompt, the (whole) answer or
 * both. Flagged categories map to block, alert or allow. Judgements are cached by content hash; at
 * most {@code max-concurrent} calls are in flight (the rest wait in order). A judge that is
 * unreachable, slow (the filter's {@code timeout}) or answers garbage fails the call, and the
 * filter's {@code on-error} decides: {@code fail-closed} refuses, {@code fail-open} lets through.
 * Streamed answers are judged as they grow: every {@code stream-cadence} characters and once
 * complete, the stream's ending waiting for the last verdict; with {@code stream-hold} the client
 * receives only text a verdict has passed (in bursts), without it text flows while the judge works
 * and a block cuts the stream (docs/streaming.md).
 */
public final class ModerationFilter extends BaseFilter {
  /** What a flagged category does. */
  public enum Action {
    BLOCK,
    ALERT,
    ALLOW
  }

  /**
   * @param prompts whether prompts are judged
   * @param responses whether whole answers are judged
   * @param categories actions by category (lower case)
   * @param otherwise the action for flagged categories not listed (and for a flag without any)
   * @param maxConcurrent calls in flight at most
   * @param cacheSize judgements kept
   * @param streamCadence characters of new streamed output between judgements; 0: only the whole
   * @param streamHold whether streamed text waits for a verdict that passes it
   */
  public record Settings(
      boolean prompts,
      boolean responses,
      Map<String, Action> categories,
      Action otherwise,
      int maxConcurrent,
      int cacheSize,
      int streamCadence,
      boolean streamHold,
      PromptCascade cascade) {}

  private final Settings settings;
  private final Moderator moderator;
  private final Map<String, Moderator.Judgement> cache;
  private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
  private int inFlight;

  public ModerationFilter(
      String id, FilterSettings filterSettings, Settings settings, Moderator moderator) {
    super(id, filterSettings);
    this.settings = settings;
    this.moderator = moderator;
    this.cache =
        java.util.Collections.synchronizedMap(
            new LinkedHashMap<>(64, 0.75f, true) {
              @Override
              protected boolean removeEldestEntry(Map.Entry<String, Moderator.Judgement> e) {
                return size() > settings.cacheSize();
              }
            });
  }

  @Override
  public CompletionStage<Verdict> onRequest(RequestView request) {
    if (!settings.prompts() || !request.route().operation().carriesPrompt()) {
      return CompletableFuture.completedFuture(Verdict.pass());
    }
    String prompt = clientText(request);
    if (prompt.isBlank()) {
      return CompletableFuture.completedFuture(Verdict.pass());
    }
    PromptCascade cascade = settings.cascade();
    if (cascade == null) {
      return judged(Moderator.Kind.PROMPT, prompt, "").thenApply(j -> verdict(j, false));
    }
    Optional<String> why = cascade.escalation(request);
    if (why.isEmpty()) {
      return CompletableFuture.completedFuture(Verdict.pass());
    }
    return judged(Moderator.Kind.PROMPT, prompt, "")
        .toCompletableFuture()
        .orTimeout(cascade.budget().toNanos(), TimeUnit.NANOSECONDS)
        .thenApply(j -> escalated(verdict(j, false), why.get()));
  }

  /** The verdict, its reason naming why the prompt was judged (for the audit record). */
  private static Verdict escalated(Verdict v, String why) {
    String reason = (v.reason().isEmpty() ? "safe" : v.reason()) + " (escalated: " + why + ")";
    return new Verdict(v.kind(), reason, v.edits(), v.rejection(), v.principal());
  }

  /**
   * The filters this one needs earlier in the chain: with a banded cascade, {@code
   * prompt-injection}, whose score it reads.
   */
  @Override
  public Set<String> follows() {
    return settings.cascade() != null && settings.cascade().banded()
        ? Set.of(PromptInjectionFilter.ID)
        : Set.of();
  }

  @Override
  public boolean inspectsResponse(RequestView request) {
    return settings.responses()
        && request.route().operation().carriesPrompt()
        && !request.conversation().stream();
  }

  @Override
  public Optional<StreamReview> streamReview(RequestView request) {
    if (!settings.responses()
        || !request.route().operation().carriesPrompt()
        || !request.conversation().stream()) {
      return Optional.empty();
    }
    String prompt = lastUserText(request);
    return Optional.of(
        StreamReview.of(
            settings.streamCadence(),
            settings.streamHold(),
            answer -> {
              String text = answer.text(OutputChannel.CONTENT);
              if (text.isBlank()) {
                return CompletableFuture.completedFuture(StreamDecision.pass());
              }
              return judged(Moderator.Kind.RESPONSE, prompt, text)
                  .thenApply(
                      j -> {
                        Verdict v = verdict(j, true);
                        return switch (v.kind()) {
                          case BLOCK -> StreamDecision.block(v.reason());
                          case ALERT -> StreamDecision.alert(v.reason());
                          default -> StreamDecision.pass();
                        };
                      });
            }));
  }

  @Override
  public CompletionStage<Verdict> onResponse(ResponseView response) {
    StringBuilder answer = new StringBuilder();
    for (OutputText out : response.outputs()) {
      if (out.channel() == OutputChannel.CONTENT) {
        answer.append(out.text()).append('\n');
      }
    }
    if (answer.toString().isBlank()) {
      return CompletableFuture.completedFuture(Verdict.pass());
    }
    return judged(Moderator.Kind.RESPONSE, lastUserText(response.request()), answer.toString())
        .thenApply(j -> verdict(j, true));
  }

  /**
   * Everything the client wrote, in order: every role, since the client chooses roles (a harmful
   * request in a {@code system} turn or an earlier turn is still the client's request).
   */
  private static String clientText(RequestView request) {
    StringBuilder all = new StringBuilder();
    for (Message m : request.conversation().messages()) {
      String t = m.text();
      if (!t.isBlank()) {
        all.append(t).append('\n');
      }
    }
    for (var p : request.conversation().prompts()) {
      all.append(p.text()).append('\n');
    }
    return all.toString();
  }

  private static String lastUserText(RequestView request) {
    List<Message> m = request.conversation().messages();
    for (int i = m.size() - 1; i >= 0; i--) {
      if ("user".equals(m.get(i).role())) {
        return m.get(i).text();
      }
    }
    return request.conversation().prompts().isEmpty()
        ? ""
        : request.conversation().prompts().get(0).text();
  }

  private Verdict verdict(Moderator.Judgement j, boolean answer) {
    if (!j.flagged()) {
      return Verdict.pass();
    }
    Action worst = j.categories().isEmpty() ? settings.otherwise() : Action.ALLOW;
    for (String c : j.categories()) {
      Action a = settings.categories().getOrDefault(c, settings.otherwise());
      if (a.ordinal() < worst.ordinal()) {
        worst = a;
      }
    }
    String reason =
        "flagged" + (j.categories().isEmpty() ? "" : " " + String.join(",", j.categories()));
    return switch (worst) {
      case ALLOW -> Verdict.pass();
      case ALERT -> Verdict.alert(reason);
      case BLOCK ->
          Verdict.block(
              reason,
              answer
                  ? new Rejection(
                      403,
                      "content_filter",
                      "content_filter",
                      "",
                      "The response was blocked by the gateway's content policy (" + reason + ").",
                      Map.of())
                  : new Rejection(
                      400,
                      "invalid_request_error",
                      "content_policy_violation",
                      "messages",
                      "The request was blocked by the gateway's content policy (" + reason + ").",
                      Map.of()));
    };
  }

  /** A cached judgement, or a call through the concurrency limit. */
  CompletionStage<Moderator.Judgement> judged(Moderator.Kind kind, String prompt, String answer) {
    String key = hash(kind + "\u0000" + prompt + "\u0000" + answer);
    Moderator.Judgement cached = cache.get(key);
    if (cached != null) {
      return CompletableFuture.completedFuture(cached);
    }
    // bounded by the filter's own timeout too: once the chain has given up on it, a call still
    // waiting for a slot is not made
    CompletableFuture<Moderator.Judgement> result =
        new CompletableFuture<Moderator.Judgement>()
            .orTimeout(settings().timeout().toNanos(), TimeUnit.NANOSECONDS);
    Runnable call =
        () ->
            moderator
                .judge(kind, prompt, answer)
                .whenComplete(
                    (j, e) -> {
                      release();
                      if (e != null) {
                        result.completeExceptionally(e);
                      } else {
                        cache.put(key, j);
                        result.complete(j);
                      }
                    });
    boolean now;
    synchronized (waiting) {
      now = inFlight < settings.maxConcurrent();
      if (now) {
        inFlight++;
      } else {
        waiting.add(new Waiting(result, call));
      }
    }
    if (now) {
      call.run();
    }
    return result;
  }

  /** A call waiting for a free slot, and the judgement its caller waits for. */
  private record Waiting(CompletableFuture<?> result, Runnable call) {}

  /**
   * Frees a slot for the next waiting call. A call whose caller already gave up (its budget ran out
   * while it waited) is dropped rather than made: nobody would read its answer.
   */
  private void release() {
    Waiting next;
    synchronized (waiting) {
      do {
        next = waiting.poll();
      } while (next != null && next.result().isDone());
      if (next == null) {
        inFlight--;
      }
    }
    if (next != null) {
      next.call().run();
    }
  }

  private static String hash(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The two factories, one per id. */
  public static final class Factory implements FilterFactory {
    private final String id;

    private Factory(String id) {
      this.id = id;
    }

    /** {@code llm-judge}: a smaller LLM over an OpenAI-compatible chat endpoint. */
    public static Factory llmJudge() {
      return new Factory("llm-judge");
    }

    /** {@code moderation-api}: a {@code /v1/moderations}-shaped API. */
    public static Factory moderationApi() {
      return new Factory("moderation-api");
    }

    @Override
    public FilterDescription describe() {
      boolean judge = "llm-judge".equals(id);
      return FilterDescription.of(
              id,
              FilterDescription.Stage.WHAT_GOES_IN,
              judge
                  ? "A smaller LLM judges prompts and answers against a safety taxonomy."
                  : "A /v1/moderations-shaped API judges prompts and answers.",
              judge ? "output-guard.md#llm-judge" : "output-guard.md#moderation-api")
          .judging(FilterDescription.Judges.PROMPTS, FilterDescription.Judges.ANSWERS)
          .handbook(3)
          .keys(
              "url",
              "model",
              "api-key",
              "check",
              "categories",
              "otherwise",
              "max-concurrent",
              "cache-size",
              "stream-cadence",
              "stream-hold",
              "prompt-cascade");
    }

    @Override
    public GatewayFilter create(ConfigReader r, FilterSettings settings, FilterEnvironment env)
        throws ConfigException {
      URI base = ServiceConfig.baseUrl(r);
      Supplier<String> key = ServiceConfig.apiKey(r, env);
      List<String> check = r.has("check") ? r.strings("check") : List.of("prompt", "response");
      for (String c : check) {
        if (!c.equals("prompt") && !c.equals("response")) {
          throw new ConfigException(r.path() + ".check", c, "prompt and/or response");
        }
      }
      Map<String, Action> categories = new LinkedHashMap<>();
      if (r.has("categories")) {
        ConfigReader c = r.child("categories");
        List<String> names = new java.util.ArrayList<>();
        c.node().fieldNames().forEachRemaining(names::add);
        for (String n : names) {
          categories.put(n.toLowerCase(Locale.ROOT), c.enumValue(n, Action.class, Action.BLOCK));
        }
      }
      HttpClient http = ServiceConfig.client(env);
      Duration timeout = settings.timeout();
      Moderator m =
          id.equals("llm-judge")
              ? new LlmJudge(base, r.requiredString("model"), key, http, timeout)
              : new ModerationApi(base, r.string("model", null), key, http, timeout);
      return new ModerationFilter(
          id,
          settings,
          new Settings(
              check.contains("prompt"),
              check.contains("response"),
              categories,
              r.enumValue("otherwise", Action.class, Action.BLOCK),
              (int) r.integer("max-concurrent", 4, 1, 1024),
              (int) r.integer("cache-size", 10_000, 0, 10_000_000),
              (int) r.integer("stream-cadence", 1000, 0, 1_000_000),
              r.bool("stream-hold", false),
              PromptCascade.read(r, check, timeout)),
          m);
    }
  }
}
