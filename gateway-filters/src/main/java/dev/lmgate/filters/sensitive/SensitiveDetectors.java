package dev.lmgate.filters.sensitive;

import com.google.re2j.Pattern;
import dev.lmgate.filters.text.PrefixAutomaton;
import java.util.ArrayList;
import java.util.List;

/**
 * The detectors behind {@link SensitiveData}, in the order they run (secrets first, so that a key's
 * characters are not taken for a phone number or a card): each a type, an RE2/J pattern, the group
 * that holds the value, a gate on the text's {@link Shape} that skips it when no candidate can be
 * there, and a check on the value (Luhn for cards, mod-97 for IBANs, the shape of a phone number)
 * that keeps order numbers, version strings, UUIDs and dates from matching.
 */
final class SensitiveDetectors {
  private SensitiveDetectors() {}

  /**
   * What {@link SensitiveData#find} learns about a text in one pass, to skip detectors with no
   * candidate. Each gate asks only for what a match itself contains, so a gate over any text that
   * holds the match passes: a scan of part of a text (a stream's newest part) skips no detector a
   * whole scan runs.
   *
   * @param ibanStart whether two ASCII letters are followed by two digits somewhere
   * @param hexColons the most colons in one run of hex digits, colons and dots (an IPv6 address
   *     written in full has seven, six before an IPv4 tail)
   * @param doubleColon whether {@code ::} occurs (a compressed IPv6 address)
   */
  record Shape(
      String lower,
      int digits,
      int digitRun,
      int dottedRun,
      boolean ibanStart,
      int hexColons,
      boolean doubleColon) {
    static Shape of(String text) {
      int colons = 0;
      int bestColons = 0;
      boolean doubleColon = false;
      int digits = 0;
      int run = 0;
      int runDigits = 0;
      int bestRun = 0;
      int dots = 0;
      int bestDots = 0;
      boolean ibanStart = false;
      for (int i = 0; i < text.length(); i++) {
        char c = text.charAt(i);
        boolean digit = c >= '0' && c <= '9';
        ibanStart |=
            digit
                && i >= 3
                && isDigit(text.charAt(i - 1))
                && isAsciiLetter(text.charAt(i - 2))
                && isAsciiLetter(text.charAt(i - 3));
        digits += digit ? 1 : 0;
        if (digit || c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '+') {
          run++;
          runDigits += digit ? 1 : 0;
          bestRun = Math.max(bestRun, runDigits);
        } else {
          run = 0;
          runDigits = 0;
        }
        if (digit || c == '.') {
          dots += c == '.' ? 1 : 0;
          bestDots = Math.max(bestDots, dots);
        } else {
          dots = 0;
        }
        if (c == ':' || c == '.' || digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) {
          colons += c == ':' ? 1 : 0;
          bestColons = Math.max(bestColons, colons);
          doubleColon |= c == ':' && i > 0 && text.charAt(i - 1) == ':';
        } else {
          colons = 0;
        }
      }
      return new Shape(
          text.toLowerCase(java.util.Locale.ROOT),
          digits,
          bestRun,
          bestDots,
          ibanStart,
          bestColons,
          doubleColon);
    }
  }

  /**
   * A detector: its pattern runs only when the text can hold a candidate ({@code worth}: a trigger
   * word, enough digits in a row), which keeps a text without candidates to one cheap pass.
   */
  record Detector(
      String kind,
      java.util.function.Predicate<Shape> worth,
      Pattern pattern,
      int group,
      java.util.function.Predicate<String> check,
      PrefixAutomaton automaton,
      List<String> keywords,
      int span,
      int minDigits) {

    /**
     * Whether a match always begins with one of {@link #keywords} (any case) and ends within {@link
     * #span} characters after it, so that a whole-text scan may search only around the keywords and
     * find exactly what a search of the whole text finds.
     */
    boolean keywordLed() {
      return span > 0;
    }

    /**
     * Whether every match lies in a run of number characters ({@link #isNumberChar}) holding at
     * least {@link #minDigits} digits, give or take one character before the run and two after it
     * (what the pattern looks at around a number), so that a whole-text scan may search only there.
     */
    boolean numberLed() {
      return minDigits > 0;
    }
  }

  /** The characters numbers are written with: digits, spaces, dots, hyphens, parentheses, plus. */
  static boolean isNumberChar(char c) {
    return c >= '0' && c <= '9'
        || c == ' '
        || c == '-'
        || c == '.'
        || c == '('
        || c == ')'
        || c == '+';
  }

  private static final List<Detector> DETECTORS = new ArrayList<>();

  /** Prefixes never issued for a National Insurance number. */
  private static final java.util.Set<String> NINO_UNUSED_PREFIXES =
      java.util.Set.of("BG", "GB", "NK", "KN", "TN", "NT", "ZZ");

  /** A US ZIP+4 code (12345-6789), which some numbering plans would also accept. */
  private static final Pattern ZIP_PLUS_FOUR = Pattern.compile("[0-9]{5}-[0-9]{4}");

  private static java.util.function.Predicate<Shape> worth = t -> true;
  private static List<String> words = List.of();
  private static int span;
  private static int minDigits;

  /** The detectors added next run when the lower-cased text contains one of {@code words}. */
  private static void when(String... words) {
    String[] w = words.clone();
    SensitiveDetectors.words = List.of(w);
    SensitiveDetectors.span = 0;
    SensitiveDetectors.minDigits = 0;
    worth =
        t -> {
          for (String word : w) {
            if (t.lower().contains(word)) {
              return true;
            }
          }
          return false;
        };
  }

  /** The detectors added next run when the text passes {@code test}. */
  private static void whenShape(java.util.function.Predicate<Shape> test) {
    worth = test;
    words = List.of();
    span = 0;
    minDigits = 0;
  }

  /**
   * The detectors added next match only inside a run of number characters with at least {@code
   * digits} digits (their patterns are written so): searched only there.
   */
  private static void numberLed(int digits) {
    minDigits = digits;
  }

  /**
   * The detectors added next begin with one of the last {@link #when} words and end within {@code
   * chars} characters after it (their patterns are written so): searched only around the words.
   */
  private static void keywordLed(int chars) {
    span = chars;
  }

  private static void add(String kind, String regex) {
    add(kind, regex, 0, v -> true);
  }

  private static void add(
      String kind, String regex, int group, java.util.function.Predicate<String> check) {
    Pattern p = Pattern.compile(regex);
    DETECTORS.add(
        new Detector(kind, worth, p, group, check, PrefixAutomaton.of(p), words, span, minDigits));
  }

  static {
    // Secrets first: a key's characters must not be taken for a phone number or a card.
    when("private key");
    add(
        "PRIVATE_KEY",
        "-----BEGIN [A-Z ]*PRIVATE KEY(?: BLOCK)?-----[\\s\\S]*?(?:-----END [A-Z ]*PRIVATE KEY(?: BLOCK)?-----|$)");
    when("eyj");
    add("JWT", "\\beyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}");
    when("github_pat_");
    add("GITHUB_FINE_GRAINED_PAT", "\\bgithub_pat_[A-Za-z0-9_]{60,255}");
    when("ghp_", "gho_", "ghu_", "ghs_", "ghr_");
    add("GITHUB_TOKEN", "\\bgh[pousr]_[A-Za-z0-9]{36,255}\\b");
    when("sk-ant-");
    add("ANTHROPIC_API_KEY", "\\bsk-ant-(?:api|admin)[0-9]{2}-[A-Za-z0-9_-]{80,}");
    when("sk-");
    add(
        "OPENAI_API_KEY",
        "\\bsk-(?:(?:proj|svcacct|admin)-)?[A-Za-z0-9_-]{16,}T3BlbkFJ[A-Za-z0-9_-]{16,}"
            + "|\\bsk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,}");
    when("xox");
    add("SLACK_TOKEN", "\\bxox[abposr]-[0-9A-Za-z]{6,}-[0-9A-Za-z-]{6,}");
    when("sk_live_", "sk_test_", "rk_live_", "rk_test_");
    add("STRIPE_SECRET_KEY", "\\b(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{20,99}\\b");
    when("aiza");
    add("GOOGLE_API_KEY", "\\bAIza[0-9A-Za-z_-]{35}(?:[^0-9A-Za-z_-]|$)", 0, v -> true);
    when("hf_");
    add("HUGGINGFACE_TOKEN", "\\bhf_[A-Za-z]{34}\\b");
    when("akia", "asia", "abia", "acca");
    add("AWS_ACCESS_KEY_ID", "\\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\\b");
    when("secret");
    // The name starts a word, follows an underscore (MY_AWS_SECRET_ACCESS_KEY=) or, capitalized,
    // ends a camelCase name (myAwsSecretKey=, s3SecretAccessKey=): a lower-case letter in the
    // middle of a word ("has", "access") is not where it begins, so streamed prose is not held on
    // every "s" and "a" as though a key name might follow. Its words may be joined by "_", "-" or
    // a space (aws-secret-access-key:, "AWS Secret Access Key:").
    add(
        "AWS_SECRET_ACCESS_KEY",
        "(?:(?:\\b|_)(?i:aws[_ -]?secret[_ -]?(?:access[_ -]?)?key|secret[_ -]?access[_ -]?key"
            + "|aws_secret)"
            + "|(?:Aws|AWS)_?Secret_?(?:Access_?)?Key|Secret_?Access_?Key"
            + "|AWS_?SECRET_?(?:ACCESS_?)?KEY|SECRET_?ACCESS_?KEY)"
            + "[\"']?\\s*[:=]\\s*[\"']?"
            + "([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)",
        1,
        v -> true);
    when("lmgk_");
    add("LMGATE_API_KEY", "\\blmgk_[A-Za-z0-9_]{20,}");
    when("bearer");
    add("BEARER_TOKEN", "(?i:\\bbearer)\\s+([A-Za-z0-9._~+/-]{20,}=*)", 1, v -> true);
    when("@");
    add(
        "EMAIL_ADDRESS",
        "\\b[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\\.[A-Za-z0-9-]{1,63})*\\.[A-Za-z]{2,24}\\b");
    whenShape(Shape::ibanStart);
    add(
        "IBAN_CODE",
        "\\b[A-Z]{2}[0-9]{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\\b",
        0,
        SensitiveDetectors::ibanValid);
    whenShape(t -> t.digitRun() >= 13);
    numberLed(13);
    add("CREDIT_CARD", "\\b(?:[0-9][ -]?){12,18}[0-9]\\b", 0, SensitiveDetectors::luhnValid);
    whenShape(
        t ->
            t.digitRun() >= 12
                && (t.lower().contains("card")
                    || t.lower().contains("cc")
                    || t.lower().contains("maestro")));
    // 12-digit (Maestro) cards only where the text says it is a card: 1 in 10 digit runs passes
    // Luhn
    add(
        "CREDIT_CARD",
        "(?i:\\bcard|\\bcc|\\bmaestro)[^0-9\\n]{0,24}\\b([0-9]{12})\\b",
        1,
        v -> luhnValid(v, 12));
    whenShape(Shape::ibanStart);
    add(
        "IBAN_CODE",
        "\\b([a-z]{2}[0-9]{2}(?:[ ]?[a-z0-9]{4}){2,7}(?:[ ]?[a-z0-9]{1,4})?)\\b",
        1,
        v -> ibanValid(v.toUpperCase(java.util.Locale.ROOT)));
    whenShape(t -> t.digitRun() >= 9);
    numberLed(9);
    add(
        "US_SSN",
        "\\b(?:00[1-9]|0[1-9][0-9]|[1-578][0-9]{2}|6[0-57-9][0-9]|66[0-57-9])-(?:0[1-9]|[1-9][0-9])-(?:000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})\\b");
    whenShape(t -> t.digits() >= 6);
    add(
        "UK_NINO",
        "\\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-D]\\b",
        0,
        v -> !NINO_UNUSED_PREFIXES.contains(v.substring(0, 2)));
    when("sin", "social insurance");
    keywordLed(64); // a name, 24 other characters, nine digits and the boundary after them
    add(
        "CA_SIN",
        "(?i:\\bsin\\b|social insurance)[^0-9\\n]{0,24}\\b([0-9]{3}[- ]?[0-9]{3}[- ]?[0-9]{3})\\b",
        1,
        v -> luhnValid(v, 9));
    // IPv6, full or compressed, with an IPv4 tail or not: hex groups and colons that an address
    // parser accepts (IpAddresses); C++ scopes (std::vector) and times (12:30:45) are not. Before
    // IPv4, so that an IPv4 tail (::ffff:192.0.2.1) stays part of its address
    whenShape(t -> t.doubleColon() || t.hexColons() >= 6);
    add(
        "IP_ADDRESS",
        "(?:^|[^0-9A-Za-z:.])((?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:[0-9]{1,3}\\.){3}[0-9]{1,3})?)"
            + "(?:[^0-9A-Za-z:.]|\\.(?:[^0-9]|$)|$)",
        1,
        IpAddresses::isIpv6);
    whenShape(t -> t.dottedRun() >= 3);
    numberLed(4);
    // not right after a letter: v1.2.3.4 is a version
    add(
        "IP_ADDRESS",
        "(?:^|[^0-9A-Za-z.])((?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(?:\\.(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3})(?:[^0-9.]|\\.(?:[^0-9]|$)|$)",
        1,
        v -> true);
    whenShape(t -> t.digitRun() >= 8);
    numberLed(2); // the fewest digits any branch of either pattern below takes
    add(
        "PHONE_NUMBER",
        "(?:^|[^0-9A-Za-z+])(\\+[1-9][0-9]{0,2}(?:[ .-]?\\(?[0-9]{1,4}\\)?){2,5}"
            + "|\\([0-9]{3}\\) ?[0-9]{3}[-. ][0-9]{4}"
            + "|[0-9]{3}[-.][0-9]{3}[-.][0-9]{4}"
            + "|0[0-9]{2,4}[ -][0-9]{5,8})(?:[^0-9A-Za-z]|$)",
        1,
        SensitiveDetectors::phoneShape);
    // National formats the shapes above miss (020 7946 0958, (02) 9876 5432, 415 555 2671,
    // 03-1234-5678): digit groups, split by spaces or hyphens, that a country's numbering plan
    // accepts as grouped (PhoneNumbers). A run of digits without separators is no candidate, and a
    // candidate is a whole run of groups — it may not end where another group follows — so that a
    // longer run (a hex dump, a table of figures) is one candidate with too many digits, never a
    // phone number cut out of it; dotted groups are left to the shapes above.
    add(
        "PHONE_NUMBER",
        "(?:^|[^0-9A-Za-z+.,/:-])((?:1[ -])?(?:\\(0?[0-9]{1,4}\\) ?|0?[0-9]{2,5}[ -])"
            + "[0-9]{1,5}(?:[ -][0-9]{1,5})*)(?:[^0-9A-Za-z -]|[ -][^0-9]|[ -]?$)",
        1,
        v ->
            phoneShape(v)
                && !ZIP_PLUS_FOUR.matcher(v).matches()
                && !PhoneNumbers.looksLikeFigures(v)
                && PhoneNumbers.valid(v));
    // Shorter or unusual groupings only right after a word that says a phone number follows
    when(
        "phone",
        "tel",
        "mobile",
        "cell",
        "call me",
        "reach me",
        "text me",
        "messages to",
        "sms to",
        "whatsapp",
        "fax");
    keywordLed(128); // a name, up to 66 spaces and a line break, a number of at most 33
    add(
        "PHONE_NUMBER",
        "(?i:phone|tel|telephone|mobile|cell|call me (?:on|at)|reach me (?:on|at)|text me (?:on|at)|"
            + "messages to|sms to|whatsapp|fax)[:.]?[ \\t]{0,32}\\n?[ \\t]{0,32}"
            + "(\\+?\\(?[0-9]{1,4}\\)?(?:[ .-]?[0-9]{2,4}){1,5})(?:[^0-9]|$)",
        1,
        v -> phoneShape(v, 7));
  }

  /** Every detector, in the order they run. */
  static final List<Detector> ALL = List.copyOf(DETECTORS);

  /** 8 to 15 digits, not all the same, not a date. */
  static boolean phoneShape(String s) {
    return phoneShape(s, 8);
  }

  static boolean phoneShape(String s, int minDigits) {
    StringBuilder digits = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      if (isDigit(s.charAt(i))) {
        digits.append(s.charAt(i));
      }
    }
    return digits.length() >= minDigits
        && digits.length() <= 15
        && digits.chars().distinct().count() > 2
        && !looksLikeIsoDate(s);
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static boolean isAsciiLetter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  /** {@code 2024-05-17…}: a date, not a phone number. */
  private static boolean looksLikeIsoDate(String s) {
    if (s.length() < 10 || s.charAt(4) != '-' || s.charAt(7) != '-') {
      return false;
    }
    for (int i : new int[] {0, 1, 2, 3, 5, 6, 8, 9}) {
      if (!isDigit(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  static boolean luhnValid(String s) {
    return luhnValid(s, 13);
  }

  static boolean luhnValid(String s, int minDigits) {
    String digits = s.replace(" ", "").replace("-", "");
    if (digits.length() < minDigits
        || digits.length() > 19
        || digits.chars().distinct().count() == 1) {
      return false;
    }
    int sum = 0;
    boolean dbl = false;
    for (int i = digits.length() - 1; i >= 0; i--) {
      int d = digits.charAt(i) - '0';
      if (dbl) {
        d *= 2;
        if (d > 9) {
          d -= 9;
        }
      }
      sum += d;
      dbl = !dbl;
    }
    return sum % 10 == 0;
  }

  static boolean ibanValid(String s) {
    String iban = s.replace(" ", "");
    if (iban.length() < 15 || iban.length() > 34) {
      return false;
    }
    String moved = iban.substring(4) + iban.substring(0, 4);
    int mod = 0;
    for (char c : moved.toCharArray()) {
      int v = Character.isDigit(c) ? c - '0' : c - 'A' + 10;
      mod = v > 9 ? (mod * 100 + v) % 97 : (mod * 10 + v) % 97;
    }
    return mod == 1;
  }
}
