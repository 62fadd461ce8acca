package dev.lmgate.filters.injection;

import dev.lmgate.filters.budget.ScanBudget;
import dev.lmgate.filters.text.TextNormalizer;
import dev.lmgate.spi.Conversation;
import dev.lmgate.spi.Message;
import dev.lmgate.spi.TextPart;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Scores a conversation for prompt injection: every untrusted text (system, developer and user
 * turns, tool results, documents pasted into them, assistant turns the client sends back, a
 * completion's prompt) on its own and all untrusted turns together (an attack split across turns),
 * through the normalized view and every decoded view. The client writes every byte of a request, so
 * no role is trusted by default: only roles the operator names ({@code trusted-roles}) are skipped,
 * which weakens the guard and is flagged by the compliance report.
 *
 * <p>A text's score combines the rules that fired (noisy-OR of their weights) and, unless turned
 * off, the classifier's probability (noisy-OR again); the conversation's score is the highest. The
 * result names the rules that fired and where, so that a block can be explained and tuned.
 */
public final class InjectionDetector {
  /**
   * @param trustedRoles roles whose text is not scored (none by default: the client chooses roles)
   * @param useClassifier whether the classifier's probability counts
   * @param allowPhrases normalized phrases removed before scoring (a team's own vocabulary)
   * @param disabledRules rule ids (or families) that do not count
   */
  public record Settings(
      Set<String> trustedRoles,
      boolean useClassifier,
      List<String> allowPhrases,
      Set<String> disabledRules) {
    public static final Settings DEFAULT = new Settings(Set.of(), true, List.of(), Set.of());

    public Settings {
      trustedRoles = Set.copyOf(trustedRoles);
      allowPhrases = allowPhrases.stream().map(p -> TextNormalizer.normalize(p).text()).toList();
      disabledRules = Set.copyOf(disabledRules);
    }
  }

  /**
   * @param score in [0, 1]
   * @param rules the rules that fired (ids), plus {@code classifier} when it contributed most
   * @param where which text scored highest ({@code messages[3]}, {@code conversation})
   * @param classifier the classifier's probability for that text (0 when off)
   */
  public record Result(double score, List<String> rules, String where, double classifier) {
    static final Result NONE = new Result(0, List.of(), "", 0);

    /** The same judgement, of the text found at {@code place}. */
    Result at(String place) {
      return place.equals(where) ? this : new Result(score, rules, place, classifier);
    }
  }

  /**
   * The classifier counts only from this probability on: on benign sources it was not trained on
   * its middling scores are noise. Chosen as the lowest threshold whose plain-benign false-positive
   * rate on sources the classifier never saw is at most 0.5 % (`lmgate guard evaluate --corpus dev
   * --corpus train`, its last table; docs/guard-efficacy.md).
   */
  public static final double CONFIDENT = 0.9;

  /** Below this many characters the classifier's probability is scaled down. */
  static final int SHORT_TEXT = 160;

  /**
   * How sure an improbable ending makes us: enough to block on its own at the default threshold,
   * since its threshold lets at most 0.1 % of held-out benign prompts through (ImprobableText).
   */
  static final double IMPROBABLE_WEIGHT = 0.8;

  private final Settings settings;
  private final InjectionClassifier classifier;
  private final InjectionRules.RuleSet rules;
  private final ScanMemo memo = new ScanMemo();
  private final ImprobableText improbable;

  public InjectionDetector(Settings settings, InjectionClassifier classifier) {
    this.settings = settings;
    this.classifier = classifier;
    this.improbable = ImprobableText.builtIn();
    this.rules =
        new InjectionRules.RuleSet(
            java.util.stream.Stream.concat(
                    InjectionRules.ALL.stream()
                        .filter(
                            r ->
                                !settings.disabledRules().contains(r.id())
                                    && !settings.disabledRules().contains(r.family())),
                    java.util.stream.Stream.of(InjectionRules.FRAME))
                .toList());
  }

  /** The settings this detector runs with. */
  public Settings settings() {
    return settings;
  }

  /** Scores a whole conversation, trusting the roles of the detector\'s settings, without limit. */
  public Result scan(Conversation c) {
    return scan(c, settings.trustedRoles(), ScanBudget.UNLIMITED);
  }

  /**
   * Scores a whole conversation.
   *
   * @param trustedRoles roles whose text is not scored (what the operator granted on this route)
   * @param budget checked between bounded steps
   * @throws dev.lmgate.filters.budget.ScanBudgetExceeded when the budget runs out
   */
  public Result scan(Conversation c, Set<String> trustedRoles, ScanBudget budget) {
    return scan(c, trustedRoles, budget, null);
  }

  /**
   * Scores a whole conversation from a caller, remembering each text's judgement for that caller
   * ({@link ScanMemo}): the texts a chat client resends every turn are scanned once.
   *
   * @param caller who sent it ({@code ScanWork.caller}); null: nothing remembered
   * @throws dev.lmgate.filters.budget.ScanBudgetExceeded when the budget runs out
   */
  public Result scan(Conversation c, Set<String> trustedRoles, ScanBudget budget, String caller) {
    Result best = Result.NONE;
    Set<String> firedAnywhere = new LinkedHashSet<>();
    StringBuilder together = new StringBuilder();
    int joined = 0;
    List<Message> messages = c.messages();
    for (int i = 0; i < messages.size(); i++) {
      Message m = messages.get(i);
      if (trustedRoles.contains(m.role())) {
        continue;
      }
      String text = clientText(m);
      if (text.isBlank()) {
        continue;
      }
      Result r = judge(caller, text, "messages[" + i + "]", "tool".equals(m.role()), budget);
      firedAnywhere.addAll(r.rules());
      best = better(best, r);
      if (!"assistant".equals(m.role())) { // the turns a client writes, for split attacks
        together.append(text).append('\n');
        joined++;
      }
    }
    for (int i = 0; i < c.prompts().size(); i++) {
      TextPart p = c.prompts().get(i);
      best = better(best, judge(caller, p.text(), "prompt[" + i + "]", false, budget));
    }
    if (joined > 1) {
      // Only what no single turn shows on its own: an attack split across turns.
      Result all = judge(caller, together.toString(), "conversation", false, budget);
      if (!firedAnywhere.containsAll(all.rules())) {
        best = better(best, all);
      }
    }
    return best;
  }

  /**
   * One text's judgement: remembered for {@code caller} when there is one, scanned otherwise.
   *
   * @throws dev.lmgate.filters.budget.ScanBudgetExceeded when the budget runs out
   */
  public Result judge(
      String caller, String text, String where, boolean thirdParty, ScanBudget budget) {
    if (caller == null) {
      return scanText(text, where, thirdParty, budget);
    }
    budget.check(); // a remembered text costs little, but a request of many still ends in time
    return memo.judge(caller, thirdParty, text, () -> scanText(text, where, thirdParty, budget))
        .at(where);
  }

  /**
   * A message's text as the model will read it: its parts, and the arguments of tool calls in an
   * assistant turn the client replays (the client wrote those too).
   */
  private static String clientText(Message m) {
    if (m.toolCalls().isEmpty()) {
      return m.text();
    }
    StringBuilder sb = new StringBuilder(m.text());
    for (dev.lmgate.spi.ToolCall call : m.toolCalls()) {
      if (call.arguments() != null && !call.arguments().text().isBlank()) {
        sb.append('\n').append(call.arguments().text());
      }
    }
    return sb.toString();
  }

  private static Result better(Result a, Result b) {
    return b.score() > a.score() ? b : a;
  }

  /**
   * Scores one untrusted text.
   *
   * @param thirdParty whether the text is third-party content (a tool result); text that frames
   *     part of itself as such (an email, a table) counts as well
   */
  public Result scanText(String raw, String where, boolean thirdParty) {
    return scanText(raw, where, thirdParty, ScanBudget.UNLIMITED);
  }

  /**
   * Scores one untrusted text within a budget.
   *
   * @throws dev.lmgate.filters.budget.ScanBudgetExceeded when the budget runs out
   */
  public Result scanText(String raw, String where, boolean thirdParty, ScanBudget budget) {
    budget.check();
    TextNormalizer.Normalized n = TextNormalizer.normalize(raw);
    List<String> views = n.views();
    List<List<InjectionRules.Rule>> hitsPerView = new ArrayList<>(views.size());
    boolean content = thirdParty;
    for (String view : views) {
      budget.check();
      List<InjectionRules.Rule> hits = rules.matching(withoutAllowed(view), budget);
      hitsPerView.add(hits);
      content |= hits.contains(InjectionRules.FRAME);
    }
    Set<String> fired = new LinkedHashSet<>();
    double keep = 1; // probability that none of the fired rules is right
    for (int v = 0; v < views.size(); v++) {
      for (InjectionRules.Rule r : hitsPerView.get(v)) {
        if (r == InjectionRules.FRAME || fired.contains(r.id())) {
          continue;
        }
        fired.add(r.id());
        // orders to the assistant weigh less where no third-party content is in sight
        boolean indirect = r.family().equals("indirect");
        keep *= 1 - (indirect && !content ? r.weight() / 2 : r.weight());
        if (v > 0
            && counts("obfuscation/encoded-instructions")
            && fired.add("obfuscation/encoded-instructions")) {
          keep *= 1 - 0.8; // instructions hidden in an encoding or tag characters
        }
      }
    }
    if (n.findings().contains(TextNormalizer.Finding.TAG_SMUGGLING)
        && counts("obfuscation/tag-characters")
        && fired.add("obfuscation/tag-characters")) {
      keep *= 1 - 0.7;
    }
    budget.check();
    double order = DocumentInstructions.score(raw, content, thirdParty);
    if (order > 0
        && counts("indirect/instruction-in-content")
        && fired.add("indirect/instruction-in-content")) {
      keep *= 1 - order;
    }
    double gibberish = Gibberish.score(raw);
    if (gibberish > 0
        && counts("suffix/adversarial-gibberish")
        && fired.add("suffix/adversarial-gibberish")) {
      keep *= 1 - gibberish;
    }
    // an optimized suffix is appended by the caller to its own request; third-party content
    // (documents, tool output) carries keys, hashes and minified code the model finds improbable
    if (!thirdParty
        && counts("suffix/improbable-text")
        && improbable.improbable(raw)
        && fired.add("suffix/improbable-text")) {
      keep *= 1 - IMPROBABLE_WEIGHT;
    }
    double c = 0;
    if (settings.useClassifier() && classifier != null) {
      budget.check();
      String text = withoutAllowed(n.text());
      // A few words are too little evidence for vocabulary alone: short texts (a question, a
      // command) count only in proportion to their length; the rules judge them.
      c = lengthWeighted(classifier.score(text), text);
      if (c >= CONFIDENT) { // below, vocabulary is as likely a new benign source as an attack
        keep *= 1 - c;
      }
    }
    double score = 1 - keep;
    List<String> named = new ArrayList<>(fired);
    for (TextNormalizer.Finding f : n.findings()) {
      // what the client disguised, for the record; these weigh nothing by themselves
      if (f != TextNormalizer.Finding.COMPATIBILITY_FORMS && score > 0) {
        named.add("normalized/" + f.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
      }
    }
    if (c >= CONFIDENT) {
      named.add("classifier");
    }
    return new Result(score, List.copyOf(named), where, c);
  }

  /** A classifier probability as the detector counts it: short texts count in proportion. */
  static double lengthWeighted(double probability, String normalized) {
    return probability * Math.min(1, normalized.length() / (double) SHORT_TEXT);
  }

  /** Whether a signal outside the rule list counts: neither it nor its family is disabled. */
  private boolean counts(String id) {
    return !settings.disabledRules().contains(id)
        && !settings.disabledRules().contains(id.substring(0, id.indexOf('/')));
  }

  private String withoutAllowed(String view) {
    String v = view;
    for (String p : settings.allowPhrases()) {
      if (!p.isEmpty()) {
        v = v.replace(p, " ");
      }
    }
    return v;
  }
}
