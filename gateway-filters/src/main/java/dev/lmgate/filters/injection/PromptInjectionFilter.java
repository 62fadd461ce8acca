package dev.lmgate.filters.injection;

import dev.lmgate.filters.budget.FairScanScheduler;
import dev.lmgate.filters.budget.ScanBudget;
import dev.lmgate.filters.budget.ScanWork;
import dev.lmgate.filters.policy.Glob;
import dev.lmgate.filters.text.ToolDefinitions;
import dev.lmgate.spi.BaseFilter;
import dev.lmgate.spi.ConfigException;
import dev.lmgate.spi.ConfigReader;
import dev.lmgate.spi.ExchangeAttributes;
import dev.lmgate.spi.FilterDescription;
import dev.lmgate.spi.FilterEnvironment;
import dev.lmgate.spi.FilterFactory;
import dev.lmgate.spi.FilterSettings;
import dev.lmgate.spi.GatewayFilter;
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

/**
 * {@code prompt-injection}: scores every request's conversation with the {@link InjectionDetector}
 * and blocks (or, with {@code action: alert}, lets through and records) those at or above the
 * route's threshold. Every role is scored unless the operator trusts it ({@code trusted-roles}).
 * The verdict (audit record) names the score, the rules that fired and where; the client gets the
 * error code and its request id only, unless {@code explain: true} (which hands an attacker an
 * oracle for tuning an attack).
 *
 * <p>Scanning is CPU work: small conversations are scanned on the calling thread (well under a
 * millisecond), large ones on the process's {@link FairScanScheduler}, fairly between callers. A
 * scan stops when the filter's timeout passes ({@link ScanBudget}).
 */
public final class PromptInjectionFilter extends BaseFilter {
  public static final String ID = "prompt-injection";

  /**
   * The key under which the filter takes its classifier from the {@link FilterEnvironment}'s shared
   * state: the built-in model unless something put another there first ({@code lmgate guard
   * evaluate} does, to score a retrained model through the configured filter).
   */
  public static final String SHARED_CLASSIFIER = "prompt-injection.classifier";

  /**
   * The score this filter gave the request (0–1, over every scored role and the tool definitions),
   * kept on the exchange for filters later in the chain: {@code llm-judge}'s prompt cascade judges
   * the prompts scored in an uncertain band. Absent when the filter did not scan the request (no
   * prompt, an allowed principal).
   */
  public static final ExchangeAttributes.Key<Double> SCORE =
      new ExchangeAttributes.Key<>("prompt-injection.score");

  /**
   * @param threshold the score from which a request is blocked (or alerted)
   * @param routeThresholds thresholds by route id glob, first match wins
   * @param allowPrincipals principal ids or {@code role:NAME} whose requests are not scanned
   * @param explain whether the client is told the score and rules (an oracle for tuning an attack:
   *     off by default; the audit record always has them)
   * @param routeTrustedRoles message roles the operator trusts, by route id glob (first match wins;
   *     {@code *} when configured as a plain list); empty: every role is scored
   */
  public record Settings(
      double threshold,
      Map<Glob, Double> routeThresholds,
      Set<String> allowPrincipals,
      boolean explain,
      Map<Glob, Set<String>> routeTrustedRoles) {
    public Settings {
      // first match wins: keep the configured order
      routeThresholds = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(routeThresholds));
      routeTrustedRoles =
          java.util.Collections.unmodifiableMap(new LinkedHashMap<>(routeTrustedRoles));
    }

    /** The roles trusted on a route (none unless the operator granted some). */
    Set<String> trustedRoles(String routeId) {
      for (Map.Entry<Glob, Set<String>> e : routeTrustedRoles.entrySet()) {
        if (e.getKey().matches(routeId)) {
          return e.getValue();
        }
      }
      return Set.of();
    }
  }

  private final Settings settings;
  private final InjectionDetector detector;
  private final FairScanScheduler scheduler;

  /**
   * @param scheduler runs large scans; null: every scan runs on the calling thread
   */
  public PromptInjectionFilter(
      FilterSettings filterSettings,
      Settings settings,
      InjectionDetector detector,
      FairScanScheduler scheduler) {
    super(ID, filterSettings);
    this.settings = settings;
    this.detector = detector;
    this.scheduler = scheduler;
  }

  /**
   * Trusted roles, explained blocks, exempted callers, phrases and rules, and a switched-off
   * classifier each let through attacks the defaults would stop (docs/input-guard.md).
   */
  @Override
  public List<String> weakenings() {
    InjectionDetector.Settings d = detector.settings();
    List<String> w = new ArrayList<>();
    for (Map.Entry<Glob, Set<String>> e : settings.routeTrustedRoles().entrySet()) {
      if (!e.getValue().isEmpty()) {
        w.add(
            "`trusted-roles: "
                + new TreeSet<>(e.getValue())
                + "`"
                + (e.getKey().pattern().equals("*")
                    ? ""
                    : " on routes `" + e.getKey().pattern() + "`")
                + ": client-written text in these roles is not scanned");
      }
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
    ScanBudget budget = ScanBudget.forRequest(request, settings().timeout());
    String tools = ToolDefinitions.text(request);
    long chars = ScanWork.chars(request.conversation()) + tools.length();
    if (chars <= ScanWork.INLINE_CHARS || scheduler == null) {
      return CompletableFuture.completedFuture(decide(request, tools, budget));
    }
    return scheduler.submit(ScanWork.caller(request), budget, () -> decide(request, tools, budget));
  }

  private boolean allowed(Principal p) {
    return p != null && p.namedIn(settings.allowPrincipals());
  }

  /** The detector's judgement of a conversation, whatever the threshold (for offline scans). */
  public InjectionDetector.Result assess(dev.lmgate.spi.Conversation conversation) {
    return detector.scan(conversation);
  }

  Verdict decide(RequestView request, String tools, ScanBudget budget) {
    String route = request.route().id();
    String caller = ScanWork.caller(request);
    InjectionDetector.Result r =
        detector.scan(request.conversation(), settings.trustedRoles(route), budget, caller);
    if (!tools.isBlank()) {
      // tool definitions reach the model's prompt too: a poisoned description is an injection
      InjectionDetector.Result t = detector.judge(caller, tools, "tools", false, budget);
      r = t.score() > r.score() ? t : r;
    }
    request.attributes().put(SCORE, r.score());
    return verdict(r, route);
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
    if (settings().action() == FilterSettings.Action.ALERT) {
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
            : "The request was blocked by the gateway's prompt-injection filter. If this is a false"
                + " positive, give the operators the request id (x-request-id).";
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

  /** The score from which a prompt on {@code routeId} is flagged (per route, else the default). */
  public double threshold(String routeId) {
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
    public FilterDescription describe() {
      return FilterDescription.of(
              ID,
              FilterDescription.Stage.WHAT_GOES_IN,
              "Scores the whole conversation, in every role and field, for prompt injection and jailbreaks.",
              "input-guard.md#prompt-injection")
          .judging(FilterDescription.Judges.PROMPTS)
          .handbook(3)
          .keys(
              "threshold",
              "routes",
              "trusted-roles",
              "classifier",
              "allow-phrases",
              "allow-principals",
              "disabled-rules",
              "explain");
    }

    @Override
    public GatewayFilter create(ConfigReader r, FilterSettings settings, FilterEnvironment env)
        throws ConfigException {
      if (settings.action() == FilterSettings.Action.REDACT) {
        throw new ConfigException(r.path() + ".action", "redact", "block or alert");
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
              "suffix/adversarial-gibberish",
              "suffix/improbable-text"));
      List<String> disabled = r.has("disabled-rules") ? r.strings("disabled-rules") : List.of();
      for (String d : disabled) {
        if (!known.contains(d)) {
          throw new ConfigException(
              r.path() + ".disabled-rules", d, "a rule id or family (docs/input-guard.md)");
        }
      }
      boolean useClassifier = r.bool("classifier", true);
      InjectionDetector detector =
          new InjectionDetector(
              new InjectionDetector.Settings(
                  Set.of(),
                  useClassifier,
                  r.has("allow-phrases") ? r.strings("allow-phrases") : List.of(),
                  new HashSet<>(disabled)),
              useClassifier
                  ? env.shared(
                      SHARED_CLASSIFIER, InjectionClassifier.class, InjectionClassifier::builtIn)
                  : null);
      return new PromptInjectionFilter(
          settings,
          new Settings(
              r.number("threshold", 0.5, 0.0, 1.0),
              routes,
              Set.copyOf(
                  r.has("allow-principals") ? r.strings("allow-principals") : new ArrayList<>()),
              r.bool("explain", false),
              trustedRoles(r)),
          detector,
          env.shared("scan-scheduler", FairScanScheduler.class, FairScanScheduler::forThisMachine));
    }

    /**
     * {@code trusted-roles}: a list (trusted on every route) or a map from route id glob to a list.
     * Roles are message roles; a trusted role's text is not scored, which weakens the guard.
     */
    private static Map<Glob, Set<String>> trustedRoles(ConfigReader r) throws ConfigException {
      Map<Glob, Set<String>> out = new LinkedHashMap<>();
      if (!r.has("trusted-roles")) {
        return out;
      }
      if (r.node().path("trusted-roles").isArray()) {
        out.put(new Glob("*"), checkedRoles(r, "trusted-roles", r.strings("trusted-roles")));
        return out;
      }
      return Glob.keyed(r, "trusted-roles", (m, glob) -> checkedRoles(m, glob, m.strings(glob)));
    }

    private static Set<String> checkedRoles(ConfigReader r, String key, List<String> roles)
        throws ConfigException {
      for (String role : roles) {
        if (!MESSAGE_ROLES.contains(role)) {
          throw new ConfigException(
              r.path() + "." + key, role, "one of " + MESSAGE_ROLES.stream().sorted().toList());
        }
      }
      return Set.copyOf(roles);
    }

    private static final Set<String> MESSAGE_ROLES =
        Set.of("system", "developer", "user", "assistant", "tool");
  }
}
