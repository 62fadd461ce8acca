package dev.lmgate.filters.injection;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lmgate.filters.policy.Glob;
import dev.lmgate.spi.ConfigException;
import dev.lmgate.spi.ConfigReader;
import dev.lmgate.spi.FilterEnvironment;
import dev.lmgate.spi.FilterFactory;
import dev.lmgate.spi.FilterSettings;
import dev.lmgate.spi.GatewayFilter;
import dev.lmgate.spi.Message;
import dev.lmgate.spi.Principal;
import dev.lmgate.spi.Rejection;
import dev.lmgate.spi.RequestView;
import dev.lmgate.spi.Verdict;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code prompt-injection}: scores every request's conversation with the {@link InjectionDetector}
 * and blocks (or, with {@code action: alert}, lets through and records) those at or above the
 * route's threshold. The verdict names the score, the rules that fired and where; a block tells the
 * client the same in its error (and {@code x-lmgate-guard}), unless {@code explain: false}.
 *
 * <p>Scanning is CPU work: small conversations are scanned on the calling thread (well under a
 * millisecond), large ones on a small pool shared by every filter of the process.
 */
public final class PromptInjectionFilter implements GatewayFilter {
  public static final String ID = "prompt-injection";

  /** Conversations with more characters than this are scanned off the calling thread. */
  static final int INLINE_CHARS = 16_384;

  /**
   * @param threshold the score from which a request is blocked (or alerted)
   * @param routeThresholds thresholds by route id glob, first match wins
   * @param allowPrincipals principal ids or {@code role:NAME} whose requests are not scanned
   * @param explain whether the client is told the score and rules
   */
  public record Settings(
      double threshold,
      Map<Glob, Double> routeThresholds,
      Set<String> allowPrincipals,
      boolean explain) {}

  private final FilterSettings filterSettings;
  private final Settings settings;
  private final InjectionDetector detector;
  private final ExecutorService pool;

  public PromptInjectionFilter(
      FilterSettings filterSettings,
      Settings settings,
      InjectionDetector detector,
      ExecutorService pool) {
    this.filterSettings = filterSettings;
    this.settings = settings;
    this.detector = detector;
    this.pool = pool;
  }

  @Override
  public String id() {
    return ID;
  }

  @Override
  public FilterSettings settings() {
    return filterSettings;
  }

  /**
   * Trusted roles, explained blocks, exempted callers, phrases and rules, and a switched-off
   * classifier each let through attacks the defaults would stop (docs/input-guard.md).
   */
  @Override
  public List<String> weakenings() {
    InjectionDetector.Settings d = detector.settings();
    List<String> w = new ArrayList<>();
    if (!d.trustedRoles().isEmpty()) {
      w.add(
          "`trusted-roles: "
              + new TreeSet<>(d.trustedRoles())
              + "`: client-written text in these roles is not scanned");
    }
    if (settings.explain()) {
      w.add(
          "`explain: true`: a blocked caller is told the score and the rules that fired (an oracle"
              + " for tuning an attack)");
    }
    if (!settings.allowPrincipals().isEmpty()) {
      w.add(
          "`allow-principals: "
              + new TreeSet<>(settings.allowPrincipals())
              + "`: these callers are not scanned");
    }
    if (!d.disabledRules().isEmpty()) {
      w.add("`disabled-rules: " + new TreeSet<>(d.disabledRules()) + "`: these rules never fire");
    }
    if (!d.allowPhrases().isEmpty()) {
      w.add("`allow-phrases`: " + d.allowPhrases().size() + " phrase(s) removed before scoring");
    }
    if (!d.useClassifier()) {
      w.add("`classifier: false`: only the rules score");
    }
    return w;
  }

  @Override
  public CompletionStage<Verdict> onRequest(RequestView request) {
    if (allowed(request.principal().orElse(null))) {
      return CompletableFuture.completedFuture(Verdict.pass());
    }
    int chars = 0;
    for (Message m : request.conversation().messages()) {
      for (var p : m.parts()) {
        chars += p.text().length();
      }
    }
    if (chars <= INLINE_CHARS || pool == null) {
      return CompletableFuture.completedFuture(decide(request));
    }
    return CompletableFuture.supplyAsync(() -> decide(request), pool);
  }

  private boolean allowed(Principal p) {
    if (p == null || settings.allowPrincipals().isEmpty()) {
      return false;
    }
    if (settings.allowPrincipals().contains(p.id())) {
      return true;
    }
    for (String role : p.roles()) {
      if (settings.allowPrincipals().contains("role:" + role)) {
        return true;
      }
    }
    return false;
  }

  /** The detector's judgement of a conversation, whatever the threshold (for offline scans). */
  public InjectionDetector.Result assess(dev.lmgate.spi.Conversation conversation) {
    return detector.scan(conversation);
  }

  Verdict decide(RequestView request) {
    return verdict(detector.scan(request.conversation()), request.route().id());
  }

  /** The verdict for a judgement on a route (for offline scans, which also want the score). */
  public Verdict verdict(InjectionDetector.Result r, String routeId) {
    double threshold = threshold(routeId);
    if (r.score() < threshold) {
      return Verdict.pass();
    }
    String reason =
        String.format(
            Locale.ROOT, "score %.2f in %s: %s", r.score(), r.where(), String.join(",", r.rules()));
    if (filterSettings.action() == FilterSettings.Action.ALERT) {
      return Verdict.alert(reason);
    }
    String message =
        settings.explain()
            ? String.format(
                Locale.ROOT,
                "The request looks like a prompt injection (score %.2f at %s; rules: %s) and was"
                    + " blocked by the gateway. If this is a false positive, ask the gateway's"
                    + " operators to tune the prompt-injection filter.",
                r.score(),
                r.where(),
                String.join(", ", r.rules()))
            : "The request was blocked by the gateway's prompt-injection filter.";
    Map<String, String> headers = new LinkedHashMap<>();
    if (settings.explain()) {
      headers.put(
          "x-lmgate-guard",
          String.format(
              Locale.ROOT, "%s; score=%.2f; rules=%s", ID, r.score(), String.join(",", r.rules())));
    }
    return Verdict.block(
        reason,
        new Rejection(
            400,
            "invalid_request_error",
            "prompt_injection_detected",
            r.where(),
            message,
            headers));
  }

  private double threshold(String routeId) {
    for (Map.Entry<Glob, Double> e : settings.routeThresholds().entrySet()) {
      if (e.getKey().matches(routeId)) {
        return e.getValue();
      }
    }
    return settings.threshold();
  }

  /** Builds the filter from YAML (docs/input-guard.md). */
  public static final class Factory implements FilterFactory {
    @Override
    public String id() {
      return ID;
    }

    @Override
    public GatewayFilter create(
        String path, JsonNode config, FilterSettings settings, FilterEnvironment env)
        throws ConfigException {
      ConfigReader r =
          new ConfigReader(path, config)
              .only(
                  Set.of(
                      "threshold",
                      "routes",
                      "trusted-roles",
                      "classifier",
                      "allow-phrases",
                      "allow-principals",
                      "disabled-rules",
                      "explain"));
      if (settings.action() == FilterSettings.Action.REDACT) {
        throw new ConfigException(path + ".action", "redact", "block or alert");
      }
      Map<Glob, Double> routes =
          Glob.keyed(r, "routes", (rt, glob) -> rt.number(glob, 0.5, 0.0, 1.0));
      Set<String> known = new HashSet<>();
      for (InjectionRules.Rule rule : InjectionRules.ALL) {
        known.add(rule.id());
        known.add(rule.family());
      }
      known.addAll(
          List.of(
              "indirect/instruction-in-content",
              "obfuscation",
              "suffix",
              "obfuscation/encoded-instructions",
              "obfuscation/tag-characters",
              "suffix/adversarial-gibberish"));
      List<String> disabled = r.has("disabled-rules") ? r.strings("disabled-rules") : List.of();
      for (String d : disabled) {
        if (!known.contains(d)) {
          throw new ConfigException(
              path + ".disabled-rules", d, "a rule id or family (docs/input-guard.md)");
        }
      }
      boolean useClassifier = r.bool("classifier", true);
      InjectionDetector detector =
          new InjectionDetector(
              new InjectionDetector.Settings(
                  new HashSet<>(
                      r.has("trusted-roles")
                          ? r.strings("trusted-roles")
                          : List.of("system", "developer")),
                  useClassifier,
                  r.has("allow-phrases") ? r.strings("allow-phrases") : List.of(),
                  new HashSet<>(disabled)),
              useClassifier
                  ? env.shared(
                      "prompt-injection.classifier",
                      InjectionClassifier.class,
                      InjectionClassifier::builtIn)
                  : null);
      ExecutorService pool =
          env.shared("prompt-injection.pool", ExecutorService.class, Factory::newPool);
      return new PromptInjectionFilter(
          settings,
          new Settings(
              r.number("threshold", 0.5, 0.0, 1.0),
              routes,
              Set.copyOf(
                  r.has("allow-principals") ? r.strings("allow-principals") : new ArrayList<>()),
              r.bool("explain", true)),
          detector,
          pool);
    }

    private static ExecutorService newPool() {
      int n = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
      return Executors.newFixedThreadPool(
          n,
          run -> {
            Thread t = new Thread(run, "lmgate-guard-scan");
            t.setDaemon(true);
            return t;
          });
    }
  }
}
