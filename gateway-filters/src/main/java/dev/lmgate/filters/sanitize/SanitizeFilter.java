package dev.lmgate.filters.sanitize;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.lmgate.filters.budget.FairScanScheduler;
import dev.lmgate.filters.budget.ScanBudget;
import dev.lmgate.filters.budget.ScanWork;
import dev.lmgate.filters.policy.Glob;
import dev.lmgate.filters.text.TextNormalizer;
import dev.lmgate.spi.BaseFilter;
import dev.lmgate.spi.ConfigException;
import dev.lmgate.spi.ConfigReader;
import dev.lmgate.spi.Edit;
import dev.lmgate.spi.FilterDescription;
import dev.lmgate.spi.FilterEnvironment;
import dev.lmgate.spi.FilterFactory;
import dev.lmgate.spi.FilterSettings;
import dev.lmgate.spi.GatewayFilter;
import dev.lmgate.spi.Message;
import dev.lmgate.spi.Rejection;
import dev.lmgate.spi.RequestView;
import dev.lmgate.spi.TextPart;
import dev.lmgate.spi.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.owasp.html.HtmlPolicyBuilder;
import org.owasp.html.PolicyFactory;
import org.owasp.html.Sanitizers;

/**
 * {@code sanitize}: validates the request's structure and cleans its text before anything else
 * judges or forwards it.
 *
 * <ul>
 *   <li>structure: a JSON object; nesting depth, string length and message count bounded; for chat
 *       routes a non-empty {@code messages} array of objects with an allowed {@code role} and a
 *       string, array or null {@code content}; typed {@code model}, {@code stream}, {@code
 *       max_tokens}, {@code temperature}. A violation is a 400 naming the field.
 *   <li>text: control characters (C0/C1 but tab, newline, carriage return) and invisible characters
 *       (zero-width, bidi controls, tag characters) stripped or refused; HTML stripped to safe
 *       formatting or escaped with the OWASP Java HTML Sanitizer, per route (off by default: code
 *       questions are full of angle brackets).
 *   <li>patterns: per role, text that must not occur ({@code deny}) or that all text must match
 *       ({@code allow}, the handbook's "list of allowed characters and patterns").
 * </ul>
 */
public final class SanitizeFilter extends BaseFilter {
  public static final String ID = "sanitize";

  /** What to do with a kind of text problem. */
  public enum Treatment {
    STRIP,
    BLOCK,
    OFF
  }

  /** HTML handling. */
  public enum Html {
    OFF,
    STRIP,
    ESCAPE
  }

  /** A content rule for some roles. */
  public record PatternRule(
      String name,
      Set<String> roles,
      com.google.re2j.Pattern deny,
      com.google.re2j.Pattern allow) {}

  /**
   * @param maxMessages most messages in a request
   * @param maxDepth deepest JSON nesting of the body
   * @param maxStringChars longest string anywhere in the body
   * @param roles the message roles accepted
   * @param controlCharacters control characters in text
   * @param invisible invisible and bidi characters in text
   * @param html HTML in text, by default
   * @param htmlRoutes HTML handling by route id glob
   * @param patterns content rules
   */
  public record Settings(
      int maxMessages,
      int maxDepth,
      int maxStringChars,
      Set<String> roles,
      Treatment controlCharacters,
      Treatment invisible,
      Html html,
      Map<Glob, Html> htmlRoutes,
      List<PatternRule> patterns) {}

  /** Safe formatting, links without scripts: what {@code html: strip} keeps. */
  private static final PolicyFactory KEEP_FORMATTING =
      Sanitizers.FORMATTING
          .and(Sanitizers.BLOCKS)
          .and(Sanitizers.LINKS)
          .and(Sanitizers.TABLES)
          .and(new HtmlPolicyBuilder().allowElements("code", "pre").toFactory());

  /** RE2/J: one linear pass (a backtracking engine is quadratic on {@code <a<a<a…}). */
  private static final com.google.re2j.Pattern HTML_LIKE =
      com.google.re2j.Pattern.compile("(?i)<\\s*/?\\s*[a-zA-Z!][^>]*>|javascript:");

  private final Settings settings;
  private final FairScanScheduler scheduler; // large conversations; null: all on the calling thread

  public SanitizeFilter(FilterSettings filterSettings, Settings settings) {
    this(filterSettings, settings, null);
  }

  public SanitizeFilter(
      FilterSettings filterSettings, Settings settings, FairScanScheduler scheduler) {
    super(ID, filterSettings);
    this.settings = settings;
    this.scheduler = scheduler;
  }

  /** Control or invisible characters let through hide instructions from people and rules. */
  @Override
  public List<String> weakenings() {
    List<String> w = new ArrayList<>();
    if (settings.controlCharacters() == Treatment.OFF) {
      w.add("`control-characters: off`: control characters reach the model");
    }
    if (settings.invisible() == Treatment.OFF) {
      w.add(
          "`invisible: off`: zero-width, bidi-control and tag characters (hidden instructions)"
              + " reach the model");
    }
    return w;
  }

  @Override
  public CompletionStage<Verdict> onRequest(RequestView request) {
    ScanBudget budget = ScanBudget.forRequest(request, settings().timeout());
    if (scheduler == null || ScanWork.chars(request.conversation()) <= ScanWork.INLINE_CHARS) {
      return CompletableFuture.completedFuture(decide(request, budget));
    }
    return scheduler.submit(ScanWork.caller(request), budget, () -> decide(request, budget));
  }

  Verdict decide(RequestView request) {
    return decide(request, ScanBudget.UNLIMITED);
  }

  /**
   * @throws dev.lmgate.filters.budget.ScanBudgetExceeded when the budget runs out (checked before
   *     each text)
   */
  Verdict decide(RequestView request, ScanBudget budget) {
    if (!request.route().operation().carriesPrompt()) {
      return Verdict.pass();
    }
    String problem =
        request
            .json()
            .map(body -> BodyStructure.problem(settings, request.route().operation(), body))
            .orElse(null);
    if (problem != null) {
      int space = problem.indexOf(' ');
      return reject("structure: " + problem, space > 0 ? problem.substring(0, space) : "", problem);
    }
    Html html = htmlFor(request.route().id());
    List<Edit> edits = new ArrayList<>();
    List<String> changes = new ArrayList<>();
    List<Message> messages = request.conversation().messages();
    for (int i = 0; i < messages.size(); i++) {
      Message m = messages.get(i);
      for (TextPart p : m.parts()) {
        budget.check();
        String where = "messages[" + i + "]";
        Verdict v = clean(p, m.role(), where, html, edits, changes);
        if (v != null) {
          return v;
        }
      }
    }
    for (TextPart p : request.conversation().prompts()) {
      budget.check();
      Verdict v = clean(p, "user", "prompt", html, edits, changes);
      if (v != null) {
        return v;
      }
    }
    return edits.isEmpty()
        ? Verdict.pass()
        : Verdict.modify(String.join(", ", changes.stream().distinct().toList()), edits);
  }

  /** Cleans one text part; a verdict when it must be refused, else null (edits added). */
  private Verdict clean(
      TextPart part, String role, String where, Html html, List<Edit> edits, List<String> changes) {
    String text = part.text();
    String out = text;
    if (settings.controlCharacters() != Treatment.OFF && HiddenCharacters.hasControl(out)) {
      if (settings.controlCharacters() == Treatment.BLOCK) {
        return reject(
            "control characters in " + where, where, where + " contains control characters");
      }
      out = HiddenCharacters.stripControl(out);
      changes.add("control characters stripped");
    }
    if (settings.invisible() != Treatment.OFF) {
      String visible = HiddenCharacters.stripInvisible(out);
      if (!visible.equals(out)) {
        if (settings.invisible() == Treatment.BLOCK) {
          return reject(
              "invisible characters in " + where,
              where,
              where + " contains invisible or bidirectional-control characters");
        }
        out = visible;
        changes.add("invisible characters stripped");
      }
    }
    if (html != Html.OFF && HTML_LIKE.matcher(out).find()) {
      String cleaned =
          html == Html.ESCAPE
              ? escapeHtml(out)
              : KEEP_FORMATTING.sanitize(out).replace("&#64;", "@");
      if (!cleaned.equals(out)) {
        out = cleaned;
        changes.add(html == Html.ESCAPE ? "html escaped" : "html stripped");
      }
    }
    for (PatternRule rule : settings.patterns()) {
      if (!rule.roles().isEmpty() && !rule.roles().contains(role)) {
        continue;
      }
      String view = TextNormalizer.normalize(out).text();
      if (rule.deny() != null
          && (rule.deny().matcher(out).find() || rule.deny().matcher(view).find())) {
        return reject(
            "pattern " + rule.name() + " in " + where,
            where,
            where + " contains text the gateway's rule '" + rule.name() + "' does not allow");
      }
      if (rule.allow() != null && !rule.allow().matcher(out).matches()) {
        return reject(
            "pattern " + rule.name() + " in " + where,
            where,
            where + " has characters or text outside what rule '" + rule.name() + "' allows");
      }
    }
    if (!out.equals(text)) {
      edits.add(Edit.replace(part.pointer(), TextNode.valueOf(out)));
    }
    return null;
  }

  private static Verdict reject(String reason, String param, String detail) {
    return Verdict.block(
        reason,
        new Rejection(
            400,
            "invalid_request_error",
            "invalid_request",
            param,
            "The request was refused by the gateway: " + detail + ".",
            Map.of()));
  }

  private Html htmlFor(String routeId) {
    for (Map.Entry<Glob, Html> e : settings.htmlRoutes().entrySet()) {
      if (e.getKey().matches(routeId)) {
        return e.getValue();
      }
    }
    return settings.html();
  }

  static String escapeHtml(String s) {
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  /** Builds the filter from YAML (docs/input-guard.md). */
  public static final class Factory implements FilterFactory {
    @Override
    public FilterDescription describe() {
      return FilterDescription.of(
              ID,
              FilterDescription.Stage.WHAT_GOES_IN,
              "Checks the structure of what goes in and cleans its text: invisible characters, HTML, operator patterns.",
              "input-guard.md#sanitize")
          .judging(FilterDescription.Judges.PROMPTS)
          .handbook(2)
          .keys(
              "max-messages",
              "max-depth",
              "max-string-chars",
              "roles",
              "control-characters",
              "invisible",
              "html",
              "routes",
              "patterns");
    }

    @Override
    public GatewayFilter create(ConfigReader r, FilterSettings settings, FilterEnvironment env)
        throws ConfigException {
      Map<Glob, Html> routes =
          Glob.keyed(
              r,
              "routes",
              (rt, glob) ->
                  rt.child(glob).only(Set.of("html")).enumValue("html", Html.class, Html.OFF));
      List<PatternRule> patterns = new ArrayList<>();
      List<ConfigReader> list = r.list("patterns");
      for (int i = 0; i < list.size(); i++) {
        ConfigReader p = list.get(i).only(Set.of("name", "roles", "deny", "allow"));
        String name = p.string("name", "patterns[" + i + "]");
        com.google.re2j.Pattern deny = regex(p, "deny");
        com.google.re2j.Pattern allow = regex(p, "allow");
        if ((deny == null) == (allow == null)) {
          throw new ConfigException(p.path(), name, "exactly one of deny or allow");
        }
        patterns.add(
            new PatternRule(
                name, Set.copyOf(p.has("roles") ? p.strings("roles") : List.of()), deny, allow));
      }
      return new SanitizeFilter(
          settings,
          new Settings(
              (int) r.integer("max-messages", 1000, 1, 1_000_000),
              (int) r.integer("max-depth", 64, 4, 10_000),
              (int) r.integer("max-string-chars", 1_000_000, 1, Integer.MAX_VALUE),
              Set.copyOf(
                  r.has("roles")
                      ? r.strings("roles")
                      : List.of("system", "developer", "user", "assistant", "tool")),
              r.enumValue("control-characters", Treatment.class, Treatment.STRIP),
              r.enumValue("invisible", Treatment.class, Treatment.STRIP),
              r.enumValue("html", Html.class, Html.OFF),
              routes,
              patterns),
          env.shared("scan-scheduler", FairScanScheduler.class, FairScanScheduler::forThisMachine));
    }

    /** An operator's pattern, on RE2/J: linear time on any input, whatever the pattern. */
    private static com.google.re2j.Pattern regex(ConfigReader p, String key)
        throws ConfigException {
      String v = p.string(key, null);
      if (v == null) {
        return null;
      }
      try {
        return com.google.re2j.Pattern.compile(v);
      } catch (com.google.re2j.PatternSyntaxException e) {
        throw new ConfigException(
            p.path() + "." + key, v, "a regular expression (" + e.getDescription() + ")");
      }
    }
  }
}
