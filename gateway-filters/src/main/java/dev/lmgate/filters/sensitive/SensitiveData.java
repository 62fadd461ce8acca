package dev.lmgate.filters.sensitive;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import java.util.ArrayList;
import java.util.List;

/**
 * Detects sensitive values in text — email addresses, credentials (API keys, access tokens, JWTs,
 * private keys), payment card numbers (Luhn-checked), IBANs (mod-97-checked) and US social security
 * numbers — and masks them as {@code [EMAIL]}, {@code [SECRET]}, {@code [CARD]}, {@code [IBAN]},
 * {@code [SSN]}. Patterns run on RE2/J (linear time on any input). Checksums keep order numbers and
 * other digit runs from being masked.
 *
 * <p>The audit trail's {@code redacted} mode uses it; the input and output guards share it.
 */
public final class SensitiveData {
  /** One detected value. */
  public record Finding(String kind, int start, int end) {}

  private record Detector(
      String kind, Pattern pattern, java.util.function.Predicate<String> check) {}

  private static final List<Detector> DETECTORS =
      List.of(
          new Detector(
              "SECRET",
              Pattern.compile(
                  "-----BEGIN [A-Z ]*PRIVATE KEY-----[\\s\\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)"),
              s -> true),
          new Detector(
              "SECRET",
              Pattern.compile("\\beyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}"),
              s -> true),
          new Detector(
              "SECRET",
              Pattern.compile(
                  "\\b(?:lmgk_[A-Za-z0-9_]{20,}|sk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}"
                      + "|(?:AKIA|ASIA)[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36,}"
                      + "|xox[abprs]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35}"
                      + "|glpat-[A-Za-z0-9_-]{20,})"),
              s -> true),
          new Detector(
              "SECRET", Pattern.compile("(?i)\\bbearer\\s+[A-Za-z0-9._~+/-]{20,}=*"), s -> true),
          new Detector(
              "EMAIL",
              Pattern.compile(
                  "\\b[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\\.[A-Za-z0-9-]{1,63})*\\.[A-Za-z]{2,24}\\b"),
              s -> true),
          new Detector(
              "IBAN",
              Pattern.compile(
                  "\\b[A-Z]{2}[0-9]{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\\b"),
              SensitiveData::ibanValid),
          new Detector(
              "CARD",
              Pattern.compile("\\b(?:[0-9][ -]?){12,18}[0-9]\\b"),
              SensitiveData::luhnValid),
          new Detector(
              "SSN",
              Pattern.compile(
                  "\\b(?:00[1-9]|0[1-9][0-9]|[1-578][0-9]{2}|6[0-57-9][0-9]|66[0-57-9])-(?:0[1-9]|[1-9][0-9])-(?:000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})\\b"),
              s -> true));

  private SensitiveData() {}

  /** Every sensitive value in {@code text}, non-overlapping, by position. */
  public static List<Finding> find(String text) {
    List<Finding> all = new ArrayList<>();
    for (Detector d : DETECTORS) {
      Matcher m = d.pattern().matcher(text);
      while (m.find()) {
        if (d.check().test(m.group()) && !overlaps(all, m.start(), m.end())) {
          all.add(new Finding(d.kind(), m.start(), m.end()));
        }
      }
    }
    all.sort(java.util.Comparator.comparingInt(Finding::start));
    return all;
  }

  /** {@code text} with every finding replaced by {@code [KIND]}. */
  public static String redact(String text) {
    List<Finding> found = find(text);
    if (found.isEmpty()) {
      return text;
    }
    StringBuilder sb = new StringBuilder(text.length());
    int pos = 0;
    for (Finding f : found) {
      sb.append(text, pos, f.start()).append('[').append(f.kind()).append(']');
      pos = f.end();
    }
    return sb.append(text, pos, text.length()).toString();
  }

  private static boolean overlaps(List<Finding> l, int start, int end) {
    for (Finding f : l) {
      if (f.start() < end && start < f.end()) {
        return true;
      }
    }
    return false;
  }

  static boolean luhnValid(String s) {
    String digits = s.replaceAll("[ -]", "");
    if (digits.length() < 13 || digits.length() > 19 || digits.chars().distinct().count() == 1) {
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
