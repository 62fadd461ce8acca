package dev.lmgate.filters.injection;

import com.google.re2j.Pattern;
import dev.lmgate.filters.budget.ScanBudget;
import dev.lmgate.filters.text.StartPoints;
import java.nio.CharBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The fast tier's rules: phrasings of known injection and jailbreak techniques, grouped in
 * families, each with a weight (how sure a hit alone makes us). They match the normalized view
 * (lower case, disguises removed) with RE2/J, so their time is linear in the text whatever it
 * holds. Rules describe techniques, not particular prompts: a rewording of a known jailbreak hits
 * the same rules.
 */
public final class InjectionRules {
  /**
   * A rule: its id ({@code family/name}), weight in (0, 1], the words one of which must occur for
   * the pattern to be worth running (a cheap prefilter; the pattern decides), and the pattern.
   */
  public record Rule(
      String id,
      double weight,
      List<String> triggers,
      Pattern pattern,
      List<java.util.Set<String>> required,
      StartPoints starts) {

    /**
     * A rule whose pattern is searched only where a trigger occurs, and only where the text every
     * match must contain ({@link com.google.re2j.RequiredText}) is there too, and (when every match
     * begins with one of a few strings) only where a match can begin ({@link StartPoints}).
     */
    public Rule(String id, double weight, List<String> triggers, Pattern pattern) {
      this(
          id,
          weight,
          triggers,
          pattern,
          com.google.re2j.RequiredText.of(pattern),
          StartPoints.of(pattern));
    }

    public String family() {
      return id.substring(0, id.indexOf('/'));
    }

    /**
     * Whether the rule matches a normalized text. The pattern runs only on windows around the
     * places a trigger occurs (a rule's match spans at most a few hundred characters), so a long
     * text costs little more than the search for its triggers.
     */
    public boolean matches(String normalized) {
      List<int[]> at = new ArrayList<>();
      for (String t : triggers) {
        for (int i = normalized.indexOf(t); i >= 0; i = normalized.indexOf(t, i + 1)) {
          at.add(new int[] {i, t.length()});
        }
      }
      at.sort((a, b) -> Integer.compare(a[0], b[0]));
      return !at.isEmpty()
          && mayMatch(normalized)
          && matchesAround(normalized, at, ScanBudget.UNLIMITED);
    }

    /**
     * Runs the pattern in windows around trigger occurrences ({start, length}, by start). Windows
     * that overlap merge into regions; a region is searched in chunks of at most {@link #CHUNK}
     * characters that overlap by more than a match can span, with a budget check between chunks, so
     * a text dense with triggers costs linear time in bounded, interruptible steps.
     */
    boolean matchesAround(String normalized, List<int[]> triggerHits, ScanBudget budget) {
      if (triggerHits.isEmpty()) {
        return false;
      }
      int n = normalized.length();
      int from = -1;
      int to = -1;
      for (int[] hit : triggerHits) {
        int a = Math.max(0, hit[0] - WINDOW);
        int b = Math.min(n, hit[0] + hit[1] + WINDOW);
        if (from >= 0 && a <= to) {
          to = Math.max(to, b); // overlaps the region being built
          continue;
        }
        if (from >= 0 && findIn(normalized, from, to, budget)) {
          return true;
        }
        from = a;
        to = b;
      }
      return findIn(normalized, from, to, budget);
    }

    private boolean findIn(String text, int from, int to, ScanBudget budget) {
      StartPoints.Found found =
          starts == null ? StartPoints.Found.TOO_MANY : starts.find(text, from, to, budget);
      if (found != StartPoints.Found.TOO_MANY) {
        return found == StartPoints.Found.YES;
      }
      for (int a = from; ; a += CHUNK - OVERLAP) {
        budget.check();
        int b = Math.min(to, a + CHUNK);
        if (pattern.matcher(CharBuffer.wrap(text, a, b)).find()) {
          return true;
        }
        if (b == to) {
          return false;
        }
      }
    }

    /**
     * Whether {@code text} holds some string of each clause the pattern requires; when not, the
     * pattern cannot match anywhere in it. Checked only on texts of at most {@link #CHECKED_TEXT}
     * characters, so the check stays well under the pattern search it saves.
     */
    boolean mayMatch(String text) {
      if (text.length() > CHECKED_TEXT) {
        return true;
      }
      for (java.util.Set<String> clause : required) {
        boolean found = false;
        for (String s : clause) {
          if (text.contains(s)) {
            found = true;
            break;
          }
        }
        if (!found) {
          return false;
        }
      }
      return true;
    }
  }

  /** Texts up to this long are checked for a rule's required text before its pattern runs. */
  static final int CHECKED_TEXT = 16_384;

  /** The most characters one pattern search covers between two budget checks. */
  static final int CHUNK = StartPoints.MAX_REGION;

  /** Chunks overlap by this much: more than a match can span (two windows and a trigger). */
  static final int OVERLAP = 3 * InjectionRules.WINDOW;

  /**
   * Rules evaluated together: one pass over the text finds every rule's triggers, then each rule
   * with a trigger runs its pattern around them.
   */
  public static final class RuleSet {
    private final List<Rule> rules;
    private final TriggerIndex index;
    private final int[][] rulesOfTrigger;
    private final int[] triggerLength;

    public RuleSet(List<Rule> rules) {
      this.rules = List.copyOf(rules);
      List<String> triggers = new ArrayList<>();
      java.util.Map<String, List<Integer>> owners = new java.util.LinkedHashMap<>();
      for (int r = 0; r < rules.size(); r++) {
        for (String t : rules.get(r).triggers()) {
          owners.computeIfAbsent(t, k -> new ArrayList<>()).add(r);
        }
      }
      triggers.addAll(owners.keySet());
      this.index = new TriggerIndex(triggers);
      this.rulesOfTrigger = new int[triggers.size()][];
      this.triggerLength = new int[triggers.size()];
      for (int t = 0; t < triggers.size(); t++) {
        rulesOfTrigger[t] = owners.get(triggers.get(t)).stream().mapToInt(i -> i).toArray();
        triggerLength[t] = triggers.get(t).length();
      }
    }

    public List<Rule> rules() {
      return rules;
    }

    /** The rules that match a normalized text, in rule order. */
    public List<Rule> matching(String normalized) {
      return matching(normalized, ScanBudget.UNLIMITED);
    }

    /**
     * The rules that match a normalized text, in rule order, checking {@code budget} between
     * bounded steps.
     *
     * @throws dev.lmgate.filters.budget.ScanBudgetExceeded when the budget runs out
     */
    public List<Rule> matching(String normalized, ScanBudget budget) {
      List<TriggerIndex.Hit> hits = index.find(normalized);
      if (hits.isEmpty()) {
        return List.of();
      }
      List<List<int[]>> perRule = new ArrayList<>(rules.size());
      for (int r = 0; r < rules.size(); r++) {
        perRule.add(null);
      }
      for (TriggerIndex.Hit h : hits) {
        for (int r : rulesOfTrigger[h.pattern()]) {
          List<int[]> l = perRule.get(r);
          if (l == null) {
            l = new ArrayList<>();
            perRule.set(r, l);
          }
          l.add(new int[] {h.start(), triggerLength[h.pattern()]});
        }
      }
      List<Rule> out = new ArrayList<>();
      for (int r = 0; r < rules.size(); r++) {
        List<int[]> l = perRule.get(r);
        if (l != null && rules.get(r).mayMatch(normalized)) {
          l.sort((a, b) -> Integer.compare(a[0], b[0]));
          if (rules.get(r).matchesAround(normalized, l, budget)) {
            out.add(rules.get(r));
          }
        }
      }
      return out;
    }
  }

  /** Characters on either side of a trigger that its rule's pattern is run on. */
  static final int WINDOW = 120;

  private InjectionRules() {}

  /** Whether a normalized text frames part of itself as third-party content. */
  public static boolean framesContent(String normalized) {
    return FRAME.matches(normalized);
  }

  /**
   * The frame as a rule, so a rule set can find it in the same pass as the others; it scores
   * nothing (weight 0) and is not in {@link #ALL}.
   */
  static final Rule FRAME = IndirectInjectionRules.FRAME;

  /** Every built-in rule: the direct techniques, then the indirect ones. */
  public static final List<Rule> ALL = build();

  private static List<Rule> build() {
    List<Rule> r = new ArrayList<>();
    DirectInjectionRules.addTo(r);
    IndirectInjectionRules.addTo(r);
    return List.copyOf(r);
  }

  /** Adds a rule whose pattern is {@code regex} compiled with RE2/J. */
  static void add(List<Rule> rules, String id, double weight, List<String> triggers, String regex) {
    rules.add(new Rule(id, weight, triggers, Pattern.compile(regex)));
  }
}
