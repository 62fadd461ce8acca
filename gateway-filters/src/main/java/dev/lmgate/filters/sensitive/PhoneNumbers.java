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
 * each of {@link #REGIONS}, the countries whose national formats the guard knows; one written with
 * {@code +} needs no region. Candidates come from an RE2/J pattern that bounds their length (at
 * most a few dozen characters), so each check costs a handful of microseconds whatever the text;
 * libphonenumber's own {@code findNumbers} is not run over whole texts, where its java.util.regex
 * matching would not be linear.
 */
final class PhoneNumbers {
  private PhoneNumbers() {}

  /**
   * The countries whose national formats are recognized without a country code: North America, the
   * large European plans, India, Australia, Japan, Brazil and Mexico.
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
    for (String region : REGIONS) {
      if (validIn(candidate, region) && groupedAsIn(candidate, region)) {
        return true;
      }
    }
    return false;
  }

  /** Valid in {@code region}: a parse, cheap next to the grouping check it spares. */
  private static boolean validIn(String candidate, String region) {
    try {
      return UTIL.isValidNumberForRegion(UTIL.parse(candidate, region), region);
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
