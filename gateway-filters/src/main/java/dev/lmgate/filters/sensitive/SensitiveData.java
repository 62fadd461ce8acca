package dev.lmgate.filters.sensitive;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import dev.lmgate.filters.budget.ScanBudget;
import dev.lmgate.filters.sensitive.SensitiveDetectors.Detector;
import dev.lmgate.filters.sensitive.SensitiveDetectors.Shape;
import dev.lmgate.filters.text.GrowingScan;
import java.util.ArrayList;
import java.util.List;

/**
 * Detects sensitive values in text and names their type:
 *
 * <ul>
 *   <li>secrets: PEM private keys, JWTs, AWS access key ids and secret access keys (the latter next
 *       to their name), GitHub tokens and fine-grained PATs, OpenAI, Anthropic, Slack, Stripe,
 *       Google and Hugging Face keys, lmgate's own keys, bearer tokens;
 *   <li>personal data: email addresses, phone numbers (international, North American, national
 *       trunk formats), payment cards (Luhn-checked), IBANs (mod-97-checked), IPv4 addresses, US
 *       social security numbers, UK national insurance numbers, Canadian social insurance numbers
 *       (Luhn-checked, next to their name).
 * </ul>
 *
 * Patterns run on RE2/J (linear time on any input). Checksums and shapes keep order numbers,
 * version strings, UUIDs and git hashes from matching. {@link #redact} masks values as {@code
 * [SECRET]}, {@code [EMAIL]}, {@code [PHONE]}, {@code [CARD]}, {@code [IBAN]}, {@code [IP]}, {@code
 * [SSN]}, {@code [ID]}.
 *
 * <p>The audit trail's {@code redacted} mode uses it; the input and output guards share it.
 */
public final class SensitiveData {
  /**
   * One detected value.
   *
   * @param kind the type, e.g. {@code EMAIL_ADDRESS}, {@code OPENAI_API_KEY} (see {@link #TYPES})
   * @param start first char (UTF-16 index)
   * @param end one past the last char
   */
  public record Finding(String kind, int start, int end) {
    /** The mask category: {@code SECRET}, {@code EMAIL}, {@code CARD}, ... */
    public String category() {
      return SensitiveData.category(kind);
    }
  }

  /** Every type {@link #find} reports. */
  public static final List<String> TYPES =
      SensitiveDetectors.ALL.stream().map(Detector::kind).distinct().toList();

  static String category(String kind) {
    return switch (kind) {
      case "EMAIL_ADDRESS" -> "EMAIL";
      case "PHONE_NUMBER" -> "PHONE";
      case "CREDIT_CARD" -> "CARD";
      case "IBAN_CODE" -> "IBAN";
      case "IP_ADDRESS" -> "IP";
      case "US_SSN" -> "SSN";
      case "UK_NINO", "CA_SIN" -> "ID";
      default -> "SECRET";
    };
  }

  /** Whether a type is a credential (as opposed to personal data). */
  public static boolean isSecret(String kind) {
    return "SECRET".equals(category(kind));
  }

  private SensitiveData() {}

  /** Every sensitive value in {@code text}, non-overlapping, by position. */
  public static List<Finding> find(String text) {
    return find(text, PhoneNumbers.Plan.DEFAULT, ScanBudget.UNLIMITED);
  }

  /**
   * The scan of one streamed output that is still growing: each detector's matches as one scan of
   * the whole text finds them ({@link GrowingScan}), reported once each as soon as more text can no
   * longer change them, and from where a value could still complete.
   *
   * <p>Unlike {@link #find}, values that overlap are all reported: which of two overlapping values
   * the whole text keeps depends on the order detectors run in, and the two may be decided in
   * different calls; rejecting the later one could release a character the whole text masks (a
   * bearer token run on into an email address). The caller masks the union (the stream guard merges
   * overlapping spans), so every character any value covers stays masked; the label shown for
   * merged values is that of the first one reported.
   */
  public static final class Growing {
    private static final java.util.Comparator<Finding> BY_START =
        java.util.Comparator.comparingInt(Finding::start);
    private final boolean[] enabled =
        new boolean[SensitiveDetectors.ALL.size()]; // the types to find
    private final int holdBack;
    private final GrowingScan[] scans = new GrowingScan[SensitiveDetectors.ALL.size()];
    private final PhoneNumbers.Plan phones;
    private int undecided;

    /**
     * @param kinds the types to find (and to hold text for)
     * @param holdBack how old a pending value may get before it is decided as it stands
     * @param phones the national phone formats recognized
     */
    public Growing(
        java.util.function.Predicate<String> kinds, int holdBack, PhoneNumbers.Plan phones) {
      this.holdBack = holdBack;
      this.phones = phones;
      for (int i = 0; i < scans.length; i++) {
        Detector d = SensitiveDetectors.ALL.get(i);
        enabled[i] = kinds.test(d.kind());
        scans[i] = new GrowingScan(d.pattern(), d.automaton());
      }
    }

    /**
     * The values decided since the last call, by position (they may overlap each other and those
     * reported before); then {@link #undecidedFrom} says from where one could still complete.
     *
     * @param text the output so far; each call's text extends the last one's
     * @param complete whether the output is final
     */
    public List<Finding> advance(String text, boolean complete) {
      PhoneNumbers.newScan(phones);
      int len = text.length();
      int from = len;
      for (int i = 0; i < scans.length; i++) {
        if (enabled[i]) {
          from = Math.min(from, scans[i].position());
        }
      }
      // A detector's gate looks for evidence a match itself contains: the text since the
      // earliest scan position holds every match still to come.
      Shape shape = Shape.of(text.substring(from));
      List<Finding> all = new ArrayList<>();
      int live = len;
      for (int i = 0; i < scans.length; i++) {
        Detector d = SensitiveDetectors.ALL.get(i);
        if (!enabled[i]) {
          continue;
        }
        int l =
            d.worth().test(shape)
                ? scans[i].advance(text, complete, holdBack, m -> take(d, m, text, all, null))
                : complete ? len : scans[i].skip(text, holdBack);
        live = Math.min(live, l);
      }
      undecided = live;
      if (all.size() > 1) { // most events find nothing
        all.sort(BY_START);
      }
      return all;
    }

    /**
     * The earliest index from which a value could still complete as the text grows, as of the last
     * {@link #advance}; the text's length when none. Checksums are not applied: a run of digits
     * that may still become a card is held until it is decided.
     */
    public int undecidedFrom() {
      return undecided;
    }
  }

  /**
   * Records a match as a finding when its value passes the detector's check and overlaps none taken
   * (any, when {@code taken} is null); returns where the scan goes on.
   */
  private static int take(
      Detector d,
      Matcher m,
      String text,
      List<Finding> all,
      java.util.TreeMap<Integer, Integer> taken) {
    return take(d, m, 0, text, all, taken);
  }

  /** As above, for a matcher over the part of {@code text} that begins at {@code offset}. */
  private static int take(
      Detector d,
      Matcher m,
      int offset,
      String text,
      List<Finding> all,
      java.util.TreeMap<Integer, Integer> taken) {
    int start = offset + m.start(d.group());
    int end = offset + m.end(d.group());
    if (d.kind().equals("GOOGLE_API_KEY")) {
      end = start + 39; // the pattern looks one past the key
    }
    if (d.check().test(text.substring(start, end))
        && (taken == null || !overlaps(taken, start, end))) {
      all.add(new Finding(d.kind(), start, end));
      if (taken != null) {
        taken.put(start, end);
      }
    }
    return Math.max(end, offset + m.start() + 1) - offset;
  }

  /**
   * Every sensitive value in {@code text}, non-overlapping, by position, checking {@code budget}
   * before each detector and every few dozen candidates. Linear in the text and the candidates
   * (RE2/J patterns; overlap checks against a sorted map of what was found).
   *
   * @throws dev.lmgate.filters.budget.ScanBudgetExceeded when the budget runs out
   */
  public static List<Finding> find(String text, PhoneNumbers.Plan phones, ScanBudget budget) {
    return find(text, k -> true, phones, budget);
  }

  /**
   * Every value of the types {@code kinds} accepts in {@code text}, overlapping ones included, by
   * position: what an answer is masked by (the union of all of them, as in a stream: {@link
   * Growing}), so that no character of a value is left because another value took part of it.
   */
  public static List<Finding> findOverlapping(
      String text, java.util.function.Predicate<String> kinds, PhoneNumbers.Plan phones) {
    return new Growing(kinds, text.length(), phones).advance(text, true);
  }

  private static List<Finding> find(
      String text,
      java.util.function.Predicate<String> kinds,
      PhoneNumbers.Plan phones,
      ScanBudget budget) {
    List<Finding> all = new ArrayList<>();
    java.util.TreeMap<Integer, Integer> taken = new java.util.TreeMap<>(); // start → end
    Shape shape = Shape.of(text);
    PhoneNumbers.newScan(phones);
    int candidates = 0;
    String folded = null; // the text in lower case, character for character: made when needed
    List<int[]> runs = null; // the runs of number characters: {start, end, digits}
    for (Detector d : SensitiveDetectors.ALL) {
      budget.check();
      if (!kinds.test(d.kind()) || !d.worth().test(shape)) {
        continue;
      }
      if ((d.keywordLed() || d.numberLed()) && narrowSearch) {
        List<int[]> windows;
        if (d.keywordLed()) {
          folded = folded == null ? foldCase(text) : folded;
          windows = keywordWindows(folded, d);
        } else {
          runs = runs == null ? numberRuns(text) : runs;
          windows = numberWindows(runs, d.minDigits(), text.length());
        }
        for (int[] w : windows) {
          Matcher m = d.pattern().matcher(java.nio.CharBuffer.wrap(text, w[0], w[1]));
          int at = 0;
          while (at <= w[1] - w[0] && m.find(at)) {
            if ((++candidates & 63) == 0) {
              budget.check();
            }
            at = take(d, m, w[0], text, all, taken);
          }
        }
        continue;
      }
      Matcher m = d.pattern().matcher(text);
      int at = 0;
      while (at <= text.length() && m.find(at)) {
        if ((++candidates & 63) == 0) {
          budget.check();
        }
        at = take(d, m, text, all, taken);
      }
    }
    all.sort(java.util.Comparator.comparingInt(Finding::start));
    return all;
  }

  /**
   * Whether keyword- and number-led detectors search only around their keywords or in runs of
   * number characters (the default); off, they search the whole text, which must find exactly the
   * same (SensitiveDataTest compares the two).
   */
  static boolean narrowSearch = true;

  /**
   * The text with each character in lower case as a case-insensitive pattern folds it, one
   * character for one so that positions stay those of the text ({@code String.toLowerCase} may
   * change the length); the long s and the Kelvin sign fold to the ASCII letters they match.
   */
  static String foldCase(String text) {
    char[] out = new char[text.length()];
    for (int i = 0; i < out.length; i++) {
      char c = text.charAt(i);
      out[i] = c == '\u017f' ? 's' : c == '\u212a' ? 'k' : Character.toLowerCase(c);
    }
    return new String(out);
  }

  /** The maximal runs of number characters: {start, end (exclusive), digits}. */
  private static List<int[]> numberRuns(String text) {
    List<int[]> runs = new ArrayList<>();
    int n = text.length();
    for (int i = 0; i < n; ) {
      if (!SensitiveDetectors.isNumberChar(text.charAt(i))) {
        i++;
        continue;
      }
      int start = i;
      int digits = 0;
      while (i < n && SensitiveDetectors.isNumberChar(text.charAt(i))) {
        char c = text.charAt(i);
        digits += c >= '0' && c <= '9' ? 1 : 0;
        i++;
      }
      runs.add(new int[] {start, i, digits});
    }
    return runs;
  }

  /**
   * The parts of the text a number-led detector's matches can lie in: each run with enough digits,
   * from the character before it to two after it, merged where they overlap.
   */
  private static List<int[]> numberWindows(List<int[]> runs, int minDigits, int length) {
    List<int[]> windows = new ArrayList<>();
    for (int[] r : runs) {
      if (r[2] < minDigits) {
        continue;
      }
      int a = Math.max(0, r[0] - 1);
      int b = Math.min(length, r[1] + 2);
      int[] last = windows.isEmpty() ? null : windows.get(windows.size() - 1);
      if (last != null && a <= last[1]) {
        last[1] = Math.max(last[1], b);
      } else {
        windows.add(new int[] {a, b});
      }
    }
    return windows;
  }

  /**
   * The parts of the text a keyword-led detector's matches can lie in, merged where they overlap:
   * from the character before each keyword (a word boundary looks at it) to the detector's span
   * past it.
   */
  private static List<int[]> keywordWindows(String folded, Detector d) {
    List<int[]> starts = new ArrayList<>();
    for (String k : d.keywords()) {
      for (int i = folded.indexOf(k); i >= 0; i = folded.indexOf(k, i + 1)) {
        starts.add(
            new int[] {Math.max(0, i - 1), Math.min(folded.length(), i + k.length() + d.span())});
      }
    }
    starts.sort((x, y) -> Integer.compare(x[0], y[0]));
    List<int[]> merged = new ArrayList<>();
    for (int[] w : starts) {
      int[] last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
      if (last != null && w[0] <= last[1]) {
        last[1] = Math.max(last[1], w[1]);
      } else {
        merged.add(w);
      }
    }
    return merged;
  }

  /**
   * {@code text} with every finding replaced by {@code [KIND]}, repeated until nothing is found: a
   * value can hide behind an adjacent one (two numbers run together) and show once its neighbour is
   * masked.
   */
  public static String redact(String text) {
    String out = text;
    for (int pass = 0; pass < MAX_REDACTION_PASSES; pass++) {
      String next = redactOnce(out);
      if (next.equals(out)) {
        return out;
      }
      out = next;
    }
    // A chain of values each hidden behind the last (+123…+456…+789…) deeper than the passes:
    // rather than loop once per link, every remaining run of digits is masked whole, so redaction
    // stays linear and never leaves a value behind.
    String masked = DIGIT_RUN.matcher(out).replaceAll("[NUMBER]");
    return masked.equals(out) ? out : redactOnce(masked);
  }

  /** Redaction passes before the remaining digit runs are masked whole. */
  static final int MAX_REDACTION_PASSES = 8;

  /** Seven or more digits, possibly with the separators numbers are written with. */
  private static final Pattern DIGIT_RUN = Pattern.compile("\\+?[0-9](?:[ ().-]?[0-9]){6,}");

  private static String redactOnce(String text) {
    List<Finding> found = find(text);
    if (found.isEmpty()) {
      return text;
    }
    StringBuilder sb = new StringBuilder(text.length());
    int pos = 0;
    for (Finding f : found) {
      sb.append(text, pos, f.start()).append('[').append(f.category()).append(']');
      pos = f.end();
    }
    return sb.append(text, pos, text.length()).toString();
  }

  /**
   * Whether [start, end) overlaps a finding already taken. Findings are disjoint, so only the one
   * that starts last before {@code end} can overlap.
   */
  private static boolean overlaps(java.util.TreeMap<Integer, Integer> taken, int start, int end) {
    java.util.Map.Entry<Integer, Integer> before = taken.lowerEntry(end);
    return before != null && before.getValue() > start;
  }
}
