package dev.lmgate.filters.sensitive;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberMatch;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Whether a candidate written the way national phone numbers are written is one, by the numbering
 * plans of Google's libphonenumber rather than by hand-written shapes: {@code 020 7946 0958} is a
 * London number, {@code 2024 0517 1230} is no number anywhere.
 *
 * <p>A number without its country code is valid only in its own country, so a candidate is tried in
 * each of {@link #REGIONS}, the countries whose national formats the guard knows (numbers written
 * with {@code +} are found by the shapes in {@link SensitiveDetectors}). libphonenumber runs on the
 * candidate only — at most 15 digits, from an RE2/J pattern — never over a whole text, where its
 * java.util.regex matching would not be linear. A candidate costs up to about 0.1 ms (a parse per
 * region; for a valid one, a grouping check) and one scan checks at most {@value #CHECKS_PER_SCAN}.
 * Verdicts are not remembered across scans: how fast a scan is must not tell one caller which
 * numbers another sent.
 */
final class PhoneNumbers {
  private PhoneNumbers() {}

  /**
   * The countries whose national formats are recognized without a country code: North America (a
   * Canadian number is valid under the US plan too), the large European plans, India, Australia,
   * Japan, Brazil and Mexico.
   */
  static final List<String> REGIONS =
      List.of(
          "US", "GB", "DE", "FR", "ES", "IT", "NL", "BE", "CH", "AT", "IE", "IN", "AU", "JP", "BR",
          "MX");

  private static final PhoneNumberUtil UTIL = PhoneNumberUtil.getInstance();

  /**
   * libphonenumber logs a warning (java.util.logging, to standard error) each time it looks for a
   * country's alternate formats and the country has none, which is the usual case; held here so
   * that the level set on it is not lost with a collected logger.
   */
  private static final Logger LIBRARY_LOG = Logger.getLogger("com.google.i18n.phonenumbers");

  static {
    LIBRARY_LOG.setLevel(Level.SEVERE);
  }

  /**
   * Whether {@code candidate}, written without a country code, is a valid number of one of {@link
   * #REGIONS} and grouped the way that country writes its numbers ({@link
   * PhoneNumberUtil.Leniency#STRICT_GROUPING}): {@code 020 7946 0958} is, {@code 2024 0517 1230} is
   * not, although some plan holds those twelve digits.
   */
  static boolean valid(String candidate) {
    int[] left = CHECKS_LEFT.get();
    if (left[0] <= 0) {
      return true; // past the scan's bound: masked unchecked rather than let through unread
    }
    left[0]--;
    return check(candidate);
  }

  /**
   * Candidates one scan checks at the most; those past it are taken for numbers without a check, so
   * that a text of nothing but digit groups costs at most this many checks (tens of milliseconds)
   * and still leaks none.
   */
  static final int CHECKS_PER_SCAN = 256;

  private static final ThreadLocal<int[]> CHECKS_LEFT =
      ThreadLocal.withInitial(() -> new int[] {CHECKS_PER_SCAN});

  /** Starts a scan on this thread: {@link #CHECKS_PER_SCAN} checks are left. */
  static void newScan() {
    CHECKS_LEFT.get()[0] = CHECKS_PER_SCAN;
  }

  private static boolean check(String candidate) {
    for (String region : REGIONS) {
      if (validIn(candidate, region) && groupedAsIn(candidate, region)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Figures written in groups that numbering plans would also accept: thousands (a first group of
   * one to three digits, then groups of three: {@code 696 974 400}) and lists of two-digit numbers
   * not led by a trunk 0 ({@code 66 11 68 13 29}).
   */
  static boolean looksLikeFigures(String candidate) {
    if (candidate.indexOf('(') >= 0) {
      return false;
    }
    List<Integer> groups = new java.util.ArrayList<>();
    int run = 0;
    for (int i = 0; i <= candidate.length(); i++) {
      if (i < candidate.length() && Character.isDigit(candidate.charAt(i))) {
        run++;
      } else {
        groups.add(run);
        run = 0;
      }
    }
    if (groups.size() < 3) {
      return false;
    }
    boolean thousands = groups.get(0) <= 3;
    boolean pairs = candidate.charAt(0) != '0';
    for (int i = 0; i < groups.size(); i++) {
      thousands &= i == 0 || groups.get(i) == 3;
      pairs &= groups.get(i) == 2;
    }
    return thousands || pairs;
  }

  /**
   * Valid as dialled from {@code region} (a Canadian number from the US, a number with an
   * international prefix from anywhere): a parse, cheap next to the grouping check it spares.
   */
  private static boolean validIn(String candidate, String region) {
    try {
      return UTIL.isValidNumber(UTIL.parse(candidate, region));
    } catch (NumberParseException e) {
      return false;
    }
  }

  private static boolean groupedAsIn(String candidate, String region) {
    for (PhoneNumberMatch m :
        UTIL.findNumbers(candidate, region, PhoneNumberUtil.Leniency.STRICT_GROUPING, 1)) {
      if (m.start() == 0 && m.end() == candidate.length()) {
        return true;
      }
    }
    return false;
  }
}
