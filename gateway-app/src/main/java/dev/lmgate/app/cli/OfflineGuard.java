package dev.lmgate.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lmgate.app.config.ConfigLoader;
import dev.lmgate.app.config.GatewayConfig;
import dev.lmgate.core.chain.ResponseContext;
import dev.lmgate.core.dialect.RequestReader;
import dev.lmgate.filters.injection.InjectionDetector;
import dev.lmgate.filters.injection.PromptInjectionFilter;
import dev.lmgate.spi.ConfigException;
import dev.lmgate.spi.Conversation;
import dev.lmgate.spi.Dialect;
import dev.lmgate.spi.FilterDescription;
import dev.lmgate.spi.FilterDescription.Judges;
import dev.lmgate.spi.GatewayFilter;
import dev.lmgate.spi.Operation;
import dev.lmgate.spi.Principal;
import dev.lmgate.spi.RequestView;
import dev.lmgate.spi.Route;
import dev.lmgate.spi.Verdict;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Option;

/**
 * The configured input guards run offline, as {@code lmgate scan} and {@code lmgate redteam} use
 * them: the input-guard filters of a config file (or the shipped defaults), applied to a chat
 * request built from a text or a message list, without a network or an LM Studio. Identity, access
 * and rate filters are skipped: an offline text has no caller.
 */
final class OfflineGuard {
  /** The guards used without {@code --config}: the shipped defaults. */
  static final String DEFAULTS =
      "filters:\n"
          + "  - id: prompt-injection\n"
          + "    action: block\n"
          + "  - id: sensitive-data\n"
          + "    types: {secrets: block}\n";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Route CHAT = new Route("openai-chat", Dialect.OPENAI, Operation.CHAT);

  private final List<GatewayFilter> filters;
  private final List<GatewayFilter> outputFilters;

  private OfflineGuard(List<GatewayFilter> filters, List<GatewayFilter> outputFilters) {
    this.filters = filters;
    this.outputFilters = outputFilters;
  }

  /**
   * A command that runs the guards offline ({@code lmgate scan}, {@code lmgate redteam}): {@code
   * --config} names them, else the shipped ones are used; a config that does not load stops it with
   * exit 2.
   */
  abstract static class Runner implements Callable<Integer> {
    private final String name;

    @Option(
        names = "--config",
        paramLabel = "FILE",
        description = "Take the input guards from this config (default: the shipped guards).")
    Path config;

    Runner(String name) {
      this.name = name;
    }

    /** The work with the guards; returns the exit code. */
    abstract int run(OfflineGuard guard);

    @Override
    public Integer call() {
      OfflineGuard guard;
      try {
        ConfigLoader loader = ConfigLoader.fromEnvironment();
        guard = of(config == null ? loader.parse(DEFAULTS) : loader.load(config), config);
      } catch (ConfigException e) {
        return Exit.error(name, e.getMessage());
      }
      return run(guard);
    }
  }

  /**
   * The guards of a config's text, built by {@code loader} (whose environment may hold state the
   * filters take, such as a classifier to evaluate).
   *
   * @param origin where the text came from, for error messages ({@code null}: the defaults)
   */
  static OfflineGuard parse(String yaml, Path origin, ConfigLoader loader) throws ConfigException {
    return of(loader.parse(yaml), origin);
  }

  /** Whether {@code f} judges {@code what} on its own, as its description says. */
  private static boolean judges(GatewayConfig cfg, GatewayFilter f, Judges what) {
    return cfg.description(f).judges().contains(what);
  }

  /** The ids of the filters that could judge {@code what}, for error messages. */
  private static List<String> registryJudging(GatewayConfig cfg, Judges what) {
    return cfg.registry().descriptions().stream()
        .filter(d -> d.judges().contains(what))
        .map(FilterDescription::id)
        .toList();
  }

  private static OfflineGuard of(GatewayConfig cfg, Path config) throws ConfigException {
    List<GatewayFilter> guards =
        cfg.filters().stream().filter(f -> judges(cfg, f, Judges.PROMPTS)).toList();
    if (guards.isEmpty()) {
      throw new ConfigException(
          "filters",
          config,
          "at least one input guard ("
              + String.join(", ", registryJudging(cfg, Judges.PROMPTS))
              + ")");
    }
    return new OfflineGuard(
        guards, cfg.filters().stream().filter(f -> judges(cfg, f, Judges.ANSWERS)).toList());
  }

  /**
   * @param verdict {@code block}, {@code alert} or {@code allow}
   * @param score the prompt-injection score (0 when that filter is not configured)
   * @param rules the injection rules that fired, then other guards' reasons ({@code id: reason})
   * @param nanos time each guard took, by filter id
   */
  record Outcome(String verdict, double score, List<String> rules, Map<String, Long> nanos) {}

  /** A line of input: {@code {"id","text"}} or {@code {"id","messages":[{role,content}]}}. */
  static Conversation conversation(JsonNode line) {
    ObjectNode body = JSON.createObjectNode();
    body.put("model", "offline");
    if (line.has("messages")) {
      body.set("messages", line.get("messages"));
    } else {
      ArrayNode messages = body.putArray("messages");
      messages.addObject().put("role", "user").put("content", line.path("text").asText(""));
    }
    return RequestReader.read(CHAT, body);
  }

  Outcome run(Conversation conversation) {
    RequestView request = new Offline(conversation);
    String verdict = "allow";
    double score = 0;
    List<String> rules = new ArrayList<>();
    Map<String, Long> nanos = new java.util.LinkedHashMap<>();
    for (GatewayFilter f : filters) {
      long t0 = System.nanoTime();
      Verdict v;
      if (f instanceof PromptInjectionFilter p) { // one scan gives the score and the verdict
        InjectionDetector.Result r = p.assess(conversation);
        score = r.score();
        request.attributes().put(PromptInjectionFilter.SCORE, score); // as in the chain
        rules.addAll(r.rules());
        v = p.verdict(r, CHAT.id());
      } else {
        v = f.onRequest(request).toCompletableFuture().join();
      }
      nanos.put(f.id(), System.nanoTime() - t0);
      if (v.kind() == Verdict.Kind.PASS) {
        continue;
      }
      boolean shadow = f.settings().action() == dev.lmgate.spi.FilterSettings.Action.ALERT;
      if (v.kind() == Verdict.Kind.BLOCK && !shadow) { // as the chain: alert-only filters note
        verdict = "block";
      } else if (!verdict.equals("block")) {
        verdict = "alert";
      }
      if (!(f instanceof PromptInjectionFilter)) {
        rules.add(f.id() + ": " + v.reason());
      }
    }
    return new Outcome(verdict, score, rules, nanos);
  }

  /**
   * The national phone formats the config's {@code sensitive-data} filter recognizes, or the
   * default when it has none: what {@code scan --pii} and {@code redteam} find spans with.
   */
  dev.lmgate.filters.sensitive.PhoneNumbers.Plan phoneNumbers() {
    for (GatewayFilter f : filters) {
      if (f instanceof dev.lmgate.filters.sensitive.SensitiveDataFilter s) {
        return s.phoneNumbers();
      }
    }
    return dev.lmgate.filters.sensitive.PhoneNumbers.Plan.DEFAULT;
  }

  /**
   * Whether the {@code prompt-injection} filter alone flags the conversation (blocks it, or alerts
   * under {@code action: alert}) at the chat route's threshold: what {@code lmgate guard evaluate}
   * measures. False when the config has no such filter.
   */
  boolean injectionFlagged(Conversation conversation) {
    for (GatewayFilter f : filters) {
      if (f instanceof PromptInjectionFilter p) {
        return p.verdict(p.assess(conversation), CHAT.id()).kind() != Verdict.Kind.PASS;
      }
    }
    return false;
  }

  /**
   * The {@code prompt-injection} filter's threshold on the chat route, or empty when the config has
   * no such filter: the operating point of {@code lmgate redteam}'s ROC curve.
   */
  java.util.OptionalDouble injectionThreshold() {
    for (GatewayFilter f : filters) {
      if (f instanceof PromptInjectionFilter p) {
        return java.util.OptionalDouble.of(p.threshold(CHAT.id()));
      }
    }
    return java.util.OptionalDouble.empty();
  }

  /**
   * Runs the output guards on {@code answer} as the whole reply to {@code prompt}; the verdict is
   * {@code block}, {@code alert} or {@code allow}, with the blocking filters' reasons.
   */
  Outcome runOutput(String prompt, String answer) {
    JsonNode line = JSON.createObjectNode().put("text", prompt);
    RequestView request = new Offline(conversation(line));
    ObjectNode body = JSON.createObjectNode();
    body.putArray("choices")
        .addObject()
        .put("index", 0)
        .put("finish_reason", "stop")
        .putObject("message")
        .put("role", "assistant")
        .put("content", answer);
    dev.lmgate.spi.ResponseView response = new ResponseContext(request, 200, body);
    String verdict = "allow";
    List<String> rules = new ArrayList<>();
    Map<String, Long> nanos = new java.util.LinkedHashMap<>();
    for (GatewayFilter f : outputFilters) {
      if (!f.inspectsResponse(request)) {
        continue;
      }
      long t0 = System.nanoTime();
      Verdict v;
      try {
        v = f.onResponse(response).toCompletableFuture().join();
      } catch (RuntimeException e) {
        v =
            f.settings().onError() == dev.lmgate.spi.FilterSettings.OnError.FAIL_OPEN
                ? Verdict.pass()
                : Verdict.block( // as the chain does for a fail-closed filter that cannot decide
                    "unavailable",
                    new dev.lmgate.spi.Rejection(
                        503,
                        "service_unavailable",
                        "filter_unavailable",
                        "",
                        f.id() + " could not decide",
                        Map.of()));
      }
      nanos.put(f.id(), System.nanoTime() - t0);
      boolean shadow = f.settings().action() == dev.lmgate.spi.FilterSettings.Action.ALERT;
      if (v.kind() == Verdict.Kind.BLOCK && !shadow) {
        verdict = "block";
        rules.add(f.id() + ": " + v.reason());
      } else if (v.kind() != Verdict.Kind.PASS && !verdict.equals("block")) {
        verdict = "alert";
        rules.add(f.id() + ": " + v.reason());
      }
    }
    return new Outcome(verdict, 0, rules, nanos);
  }

  /** Whether the config has guards that judge whole answers. */
  boolean judgesAnswers() {
    return !outputFilters.isEmpty();
  }

  /** A chat request with no caller, as the filters see it. */
  private record Offline(Conversation conversation, dev.lmgate.spi.ExchangeAttributes attributes)
      implements RequestView {
    Offline(Conversation conversation) {
      this(conversation, new dev.lmgate.spi.ExchangeAttributes());
    }

    @Override
    public String requestId() {
      return "offline";
    }

    @Override
    public Route route() {
      return CHAT;
    }

    @Override
    public String method() {
      return "POST";
    }

    @Override
    public String path() {
      return "/v1/chat/completions";
    }

    @Override
    public Map<String, List<String>> headers() {
      return Map.of();
    }

    @Override
    public int bodySize() {
      return 0;
    }

    @Override
    public Optional<JsonNode> json() {
      return Optional.empty();
    }

    @Override
    public Optional<Principal> principal() {
      return Optional.empty();
    }

    @Override
    public String clientAddress() {
      return "offline";
    }
  }
}
