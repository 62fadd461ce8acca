package dev.lmgate.filters.output;

import com.fasterxml.jackson.databind.node.TextNode;
import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import dev.lmgate.filters.text.GrowingScan;
import dev.lmgate.filters.text.PrefixAutomaton;
import dev.lmgate.filters.text.StartPoints;
import dev.lmgate.spi.BaseFilter;
import dev.lmgate.spi.ConfigException;
import dev.lmgate.spi.ConfigReader;
import dev.lmgate.spi.Edit;
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
import dev.lmgate.spi.StreamInspector;
import dev.lmgate.spi.StreamInspector.Span;
import dev.lmgate.spi.StreamInspector.StreamDecision;
import dev.lmgate.spi.Verdict;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Regex rules over the model's output — content, reasoning and tool-call arguments — in whole and
 * streamed answers alike. Patterns are compiled with RE2/J, so matching is linear in the text
 * whatever the security team writes.
 *
 * <p>In streams the guarantee is: no character of a match up to {@code hold-back} characters long
 * ever reaches the client. Each rule's pattern also runs as an automaton ({@link PrefixAutomaton})
 * that tells the stream guard from where a match could still complete, and only that is held: in
 * ordinary text, next to nothing. {@code hold-back} is the most held per output; each rule declares
 * the longest match it must catch ({@code max-length}), which may not exceed it.
 */
public final class OutputPatternFilter extends BaseFilter {
  public static final String ID = "output-patterns";

  /**
   * One rule.
   *
   * @param name stable name, reported in audit records and errors (never the matched text)
   * @param pattern the RE2 pattern
   * @param action block or redact (alert comes from the filter's own action)
   * @param replacement what a redacted match becomes
   * @param channels the outputs the rule reads
   * @param routes route id globs the rule applies to (empty: all)
   * @param roles caller roles it applies to (empty: all callers)
   */
  public record Rule(
      String name,
      Pattern pattern,
      FilterSettings.Action action,
      String replacement,
      Set<OutputChannel> channels,
      List<dev.lmgate.filters.policy.Glob> routes,
      Set<String> roles) {
    public Rule(
        String name,
        Pattern pattern,
        FilterSettings.Action action,
        String replacement,
        Set<OutputChannel> channels) {
      this(name, pattern, action, replacement, channels, List.of(), Set.of());
    }

    /** Whether the rule applies to this request's route and caller. */
    boolean appliesTo(RequestView request) {
      if (!routes.isEmpty() && !dev.lmgate.filters.policy.Glob.any(routes, request.route().id())) {
        return false;
      }
      if (roles.isEmpty()) {
        return true;
      }
      return request
          .principal()
          .map(p -> p.roles().stream().anyMatch(roles::contains))
          .orElse(false);
    }
  }

  private final List<Rule> rules;
  private final int holdBack;

  /**
   * Per rule, where its matches can begin ({@link StartPoints}; absent: anywhere): a whole text
   * holding none of those places is not searched, and a search begins at the first.
   */
  private final Map<Rule, StartPoints> starts = new IdentityHashMap<>();

  /** Each rule's pattern as an automaton over growing text, by rule name. */
  private final Map<String, PrefixAutomaton> automata = new HashMap<>();

  public OutputPatternFilter(FilterSettings settings, List<Rule> rules, int holdBack) {
    super(ID, settings);
    this.rules = List.copyOf(rules);
    this.holdBack = holdBack;
    for (Rule r : this.rules) {
      StartPoints p = StartPoints.of(r.pattern());
      if (p != null) {
        starts.put(r, p);
      }
    }
    for (Rule r : this.rules) {
      automata.put(r.name(), PrefixAutomaton.of(r.pattern()));
    }
  }

  @Override
  public boolean inspectsResponse(RequestView request) {
    return request.route().operation().carriesPrompt();
  }

  private List<Rule> rulesFor(RequestView request) {
    List<Rule> out = new ArrayList<>(rules.size());
    for (Rule r : rules) {
      if (r.appliesTo(request)) {
        out.add(r);
      }
    }
    return out;
  }

  @Override
  public CompletionStage<Verdict> onResponse(ResponseView response) {
    List<Edit> edits = new ArrayList<>();
    List<String> redacted = new ArrayList<>();
    List<Rule> applicable = rulesFor(response.request());
    for (OutputText out : response.outputs()) {
      StreamDecision d = scan(applicable, out.channel(), out.text(), true, null);
      if (d.block()) {
        return CompletableFuture.completedFuture(Verdict.block(d.reason(), rejection(d.reason())));
      }
      if (!d.redactions().isEmpty()) {
        if (out.pointer().isEmpty()) {
          return CompletableFuture.completedFuture(
              Verdict.block(d.reason(), rejection(d.reason())));
        }
        edits.add(Edit.replace(out.pointer(), TextNode.valueOf(apply(out.text(), d.redactions()))));
        redacted.add(d.reason());
      }
    }
    return CompletableFuture.completedFuture(
        edits.isEmpty() ? Verdict.pass() : Verdict.modify(String.join(",", redacted), edits));
  }

  @Override
  public Optional<StreamInspector> streamInspector(RequestView request) {
    List<Rule> applicable = rulesFor(request);
    if (applicable.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new StreamInspector() {
          @Override
          public int holdBack() {
            return holdBack;
          }

          /** Per output still growing: each applicable rule's scan so far. */
          private final Map<String, GrowingScan[]> scans = new HashMap<>();

          @Override
          public StreamDecision inspect(
              String key, OutputChannel channel, String text, int scanFrom, boolean complete) {
            // a complete text ends its output's scan (a snapshot comes complete: scanned whole)
            GrowingScan[] g =
                complete
                    ? scans.remove(key)
                    : scans.computeIfAbsent(
                        key,
                        k -> {
                          GrowingScan[] a = new GrowingScan[applicable.size()];
                          for (int i = 0; i < a.length; i++) {
                            Rule r = applicable.get(i);
                            a[i] = new GrowingScan(r.pattern(), automata.get(r.name()));
                          }
                          return a;
                        });
            return scan(applicable, channel, text, complete, g);
          }
        });
  }

  /**
   * Finds the matches — the first blocking rule wins — and, in a text that may still grow, from
   * where a match could still complete. In a growing text each rule's matches are those a scan of
   * the whole text finds ({@link GrowingScan}), acted on once more text can no longer change them
   * (a match that reaches the end may still lengthen or be undone: {@code \b}, greedy repeats) or
   * once it began {@code hold-back} characters ago.
   *
   * @param scans per rule, its scan of this output so far; null for a whole text
   */
  private StreamDecision scan(
      List<Rule> rules, OutputChannel channel, String text, boolean complete, GrowingScan[] scans) {
    int len = text.length();
    int undecided = len;
    List<Span> spans = new ArrayList<>();
    String[] reason = {""};
    boolean[] blocked = {false};
    for (int i = 0; i < rules.size(); i++) {
      Rule rule = rules.get(i);
      if (!rule.channels().contains(channel)) {
        continue;
      }
      GrowingScan.Step step =
          m -> {
            int s = m.start();
            int e = m.end();
            if (e > s) {
              if (rule.action() == FilterSettings.Action.BLOCK) {
                blocked[0] = true;
                reason[0] = rule.name();
                return len + 1; // nothing after a block matters
              }
              spans.add(new Span(s, e, rule.replacement()));
              reason[0] = reason[0].isEmpty() ? rule.name() : reason[0];
            }
            return e > s ? e : e + 1;
          };
      if (scans == null) {
        // RE2/J steps through every character of a pattern that begins with \b (no literal prefix
        // to skip to): where every match begins with a known string, search from the first one
        StartPoints points = starts.get(rule);
        int pos = points == null ? 0 : points.first(text);
        Matcher m = rule.pattern().matcher(text);
        while (pos <= len && m.find(pos)) {
          pos = step.next(m);
        }
      } else {
        undecided = Math.min(undecided, scans[i].advance(text, complete, holdBack, step));
      }
      if (blocked[0]) {
        return StreamDecision.block(reason[0]);
      }
    }
    StreamDecision d =
        spans.isEmpty() ? StreamDecision.pass() : StreamDecision.redact(reason[0], spans);
    return d.undecidedFrom(undecided);
  }

  /** Applies non-overlapping or overlapping spans to a whole text. */
  static String apply(String text, List<Span> spans) {
    List<Span> sorted = new ArrayList<>(spans);
    sorted.sort((a, b) -> Integer.compare(a.start(), b.start()));
    StringBuilder sb = new StringBuilder(text.length());
    int i = 0;
    for (Span s : sorted) {
      if (s.end() <= i) {
        continue;
      }
      if (s.start() >= i) {
        sb.append(text, i, s.start()).append(s.replacement());
      }
      i = Math.max(i, s.end());
    }
    return sb.append(text, i, text.length()).toString();
  }

  private static Rejection rejection(String rule) {
    return new Rejection(
        403,
        "content_filter",
        "content_filter",
        "",
        "The response was blocked by the gateway's output policy (rule '" + rule + "').");
  }

  /** Builds the filter from YAML. */
  public static final class Factory implements FilterFactory {
    private static final int DEFAULT_MAX_LENGTH = 128;
    private static final Set<String> KEYS = Set.of("hold-back", "rules");
    private static final Set<String> RULE_KEYS =
        Set.of(
            "name",
            "pattern",
            "keywords",
            "action",
            "replacement",
            "channels",
            "max-length",
            "routes",
            "roles");

    @Override
    public FilterDescription describe() {
      return FilterDescription.of(
              ID,
              FilterDescription.Stage.WHAT_COMES_OUT,
              "Applies your regular expressions and keyword lists to answers: block or redact.",
              "filters.md#output-patterns")
          .judging(FilterDescription.Judges.ANSWERS)
          .handbook(3)
          .keys(KEYS.toArray(String[]::new));
    }

    @Override
    public GatewayFilter create(ConfigReader r, FilterSettings settings, FilterEnvironment env)
        throws ConfigException {
      List<ConfigReader> ruleNodes = r.list("rules");
      if (ruleNodes.isEmpty()) {
        throw new ConfigException(r.path() + ".rules", null, "at least one rule");
      }
      List<Rule> rules = new ArrayList<>();
      int longest = 0;
      Set<String> names = new java.util.HashSet<>();
      for (ConfigReader rr : ruleNodes) {
        rr.only(RULE_KEYS);
        String name = rr.requiredString("name");
        if (!names.add(name)) {
          throw new ConfigException(rr.path() + ".name", name, "a name not used by another rule");
        }
        if (rr.has("pattern") == rr.has("keywords")) {
          throw new ConfigException(rr.path(), name, "exactly one of pattern or keywords");
        }
        String src = rr.has("pattern") ? rr.requiredString("pattern") : keywordPattern(rr);
        Pattern p;
        try {
          p = Pattern.compile(src);
        } catch (PatternSyntaxException e) {
          throw new ConfigException(
              rr.path() + ".pattern", src, "an RE2 pattern (" + e.getDescription() + ")");
        }
        FilterSettings.Action action =
            rr.enumValue(
                "action",
                FilterSettings.Action.class,
                settings.action() == FilterSettings.Action.REDACT
                    ? FilterSettings.Action.REDACT
                    : FilterSettings.Action.BLOCK);
        if (action == FilterSettings.Action.ALERT) {
          throw new ConfigException(
              rr.path() + ".action",
              "alert",
              "block or redact (set action: alert on the filter for shadow mode)");
        }
        Set<OutputChannel> channels = EnumSet.noneOf(OutputChannel.class);
        List<String> chs = rr.strings("channels");
        if (chs.isEmpty()) {
          channels = EnumSet.allOf(OutputChannel.class);
        }
        for (String c : chs) {
          try {
            channels.add(
                OutputChannel.valueOf(c.toUpperCase(java.util.Locale.ROOT).replace('-', '_')));
          } catch (IllegalArgumentException e) {
            throw new ConfigException(
                rr.path() + ".channels", c, "content, reasoning or tool-arguments");
          }
        }
        longest = Math.max(longest, (int) rr.integer("max-length", DEFAULT_MAX_LENGTH, 1, 65_536));
        List<dev.lmgate.filters.policy.Glob> routes = new ArrayList<>();
        for (String g : rr.has("routes") ? rr.strings("routes") : List.<String>of()) {
          routes.add(new dev.lmgate.filters.policy.Glob(g));
        }
        rules.add(
            new Rule(
                name,
                p,
                action,
                rr.string("replacement", "[REDACTED]"),
                channels,
                routes,
                Set.copyOf(rr.has("roles") ? rr.strings("roles") : List.<String>of())));
      }
      int holdBack = (int) r.integer("hold-back", longest, 1, 65_536);
      // (a keyword rule's longest match is its longest keyword unless max-length says more)
      if (holdBack < longest) {
        throw new ConfigException(
            r.path() + ".hold-back", holdBack, ">= the longest rule max-length (" + longest + ")");
      }
      return new OutputPatternFilter(settings, rules, holdBack);
    }

    /** A keyword list as one case-insensitive RE2 pattern of whole words. */
    private static String keywordPattern(ConfigReader rr) throws ConfigException {
      List<String> words = rr.strings("keywords");
      if (words.isEmpty()) {
        throw new ConfigException(rr.path() + ".keywords", "[]", "at least one keyword");
      }
      StringBuilder sb = new StringBuilder("(?i)\\b(?:");
      for (int i = 0; i < words.size(); i++) {
        if (i > 0) {
          sb.append('|');
        }
        for (char c : words.get(i).toCharArray()) {
          if ("\\^$.|?*+()[]{}".indexOf(c) >= 0) {
            sb.append('\\');
          }
          sb.append(c);
        }
      }
      return sb.append(")\\b").toString();
    }
  }
}
