package dev.lmgate.filters.sensitive;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberMatch;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Whether a candidate written the way national phone numbers are written is one, by the numbering
 * plans of Google's libphonenumber rather than by hand-written shapes: {@code 020 7946 0958} is a
 * London number, {@code 2024 0517 1230} is no number anywhere.
 *
 * <p>A number without its country code is valid only in its own country, so a candidate is tried in
 * each of the scan's {@link Plan#regions()} ({@link #REGIONS} by default), the countries whose
 * national formats the guard knows (numbers written with {@code +} are found by the shapes in
 * {@link SensitiveDetectors}). libphonenumber runs on the candidate only — at most 15 digits, from
 * an RE2/J pattern — never over a whole text, where its java.util.regex matching would not be
 * linear. A candidate costs up to about 0.1 ms (a parse per region; for a valid one, a grouping
 * check) and one scan checks at most {@value #CHECKS_PER_SCAN}. Verdicts are not remembered across
 * scans: how fast a scan is must not tell one caller which numbers another sent.
 */
public final class PhoneNumbers {
  private PhoneNumbers() {}

  /**
   * The countries whose national formats are recognized without a country code by default: North
   * America (a Canadian number is valid under the US plan too), the large European plans, India,
   * Australia, Japan, Brazil and Mexico.
   */
  static final List<String> REGIONS =
      List.of(
          "US", "GB", "DE", "FR", "ES", "IT", "NL", "BE", "CH", "AT", "IE", "IN", "AU", "JP", "BR",
          "MX");

  /**
   * How strictly a national candidate must fit a plan, weakest first: {@code POSSIBLE} (a length
   * some number of the country has), {@code VALID} (a number the plan assigns), {@code
   * STRICT_GROUPING} (valid, and its digit groups are where the country puts them; the default),
   * {@code EXACT_GROUPING} (valid, grouped exactly as the country formats it). libphonenumber's
   * {@link PhoneNumberUtil.Leniency} of the same names.
   */
  public enum Leniency {
    POSSIBLE,
    VALID,
    STRICT_GROUPING,
    EXACT_GROUPING
  }

  /**
   * Which national formats a {@code sensitive-data} filter recognizes without a country code.
   *
   * @param regions ISO 3166 codes, upper case, each one libphonenumber knows
   * @param leniency how strictly a candidate must fit one of their plans
   */
  public record Plan(List<String> regions, Leniency leniency) {
    /** The default: {@link #REGIONS}, strict grouping. */
    public static final Plan DEFAULT = new Plan(REGIONS, Leniency.STRICT_GROUPING);

    public Plan {
      regions = List.copyOf(regions);
      java.util.Objects.requireNonNull(leniency, "leniency");
      for (String r : regions) {
        if (!UTIL.getSupportedRegions().contains(r)) {
          throw new IllegalArgumentException("not a region libphonenumber knows: " + r);
        }
      }
    }

    /** Whether {@code region} (any case) is a code libphonenumber has a plan for. */
    public static boolean known(String region) {
      return UTIL.getSupportedRegions().contains(region);
    }
  }

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
   * Whether {@code candidate}, written without a country code, fits the plan of one of the scan's
   * {@link Plan#regions()} as strictly as its {@link Plan#leniency()} asks; by default, valid there
   * and grouped the way that country writes its numbers: {@code 020 7946 0958} is, {@code 2024 0517
   * 1230} is not, although some plan holds those twelve digits.
   */
  static boolean valid(String candidate) {
    Scan scan = SCAN.get();
    if (scan.checksLeft <= 0) {
      return true; // past the scan's bound: masked unchecked rather than let through unread
    }
    scan.checksLeft--;
    return check(candidate, scan.plan);
  }

  /**
   * Candidates one scan checks at the most; those past it are taken for numbers without a check, so
   * that a text of nothing but digit groups costs at most this many checks (tens of milliseconds)
   * and still leaks none.
   */
  static final int CHECKS_PER_SCAN = 256;

  /** The scan running on this thread: its plan and the checks it has left. */
  private static final class Scan {
    Plan plan = Plan.DEFAULT;
    int checksLeft = CHECKS_PER_SCAN;
  }

  private static final ThreadLocal<Scan> SCAN = ThreadLocal.withInitial(Scan::new);

  /**
   * Starts a scan on this thread under {@code plan}: {@link #CHECKS_PER_SCAN} checks are left. The
   * detectors' checks are plain predicates on a value, so the scan's settings travel beside them.
   */
  static void newScan(Plan plan) {
    Scan scan = SCAN.get();
    scan.plan = plan;
    scan.checksLeft = CHECKS_PER_SCAN;
  }

  private static boolean check(String candidate, Plan plan) {
    for (String region : plan.regions()) {
      if (fits(candidate, region, plan.leniency())) {
        return true;
      }
    }
    return false;
  }

  private static boolean fits(String candidate, String region, Leniency leniency) {
    return switch (leniency) {
      case POSSIBLE -> parsed(candidate, region).map(UTIL::isPossibleNumber).orElse(false);
      case VALID -> validIn(candidate, region);
      case STRICT_GROUPING ->
          validIn(candidate, region)
              && groupedAsIn(candidate, region, PhoneNumberUtil.Leniency.STRICT_GROUPING);
      case EXACT_GROUPING ->
          validIn(candidate, region)
              && groupedAsIn(candidate, region, PhoneNumberUtil.Leniency.EXACT_GROUPING);
    };
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
    return parsed(candidate, region).map(UTIL::isValidNumber).orElse(false);
  }

  private static java.util.Optional<Phonenumber.PhoneNumber> parsed(
      String candidate, String region) {
    try {
      return java.util.Optional.of(UTIL.parse(candidate, region));
    } catch (NumberParseException e) {
      return java.util.Optional.empty();
    }
  }

  private static boolean groupedAsIn(
      String candidate, String region, PhoneNumberUtil.Leniency leniency) {
    for (PhoneNumberMatch m : UTIL.findNumbers(candidate, region, leniency, 1)) {
      if (m.start() == 0 && m.end() == candidate.length()) {
        return true;
      }
    }
    return false;
  }
}
