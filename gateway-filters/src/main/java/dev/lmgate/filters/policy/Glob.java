package dev.lmgate.filters.policy;

import java.util.List;
import java.util.Locale;

/**
 * A case-insensitive glob where {@code *} matches any run of characters ({@code /} included) and
 * {@code ?} one character. Matching is linear in practice and never backtracks catastrophically:
 * the classic two-pointer algorithm with one remembered star.
 */
public record Glob(String pattern) {
  public Glob {
    pattern = pattern.toLowerCase(Locale.ROOT);
  }

  public static boolean any(List<Glob> globs, String value) {
    for (Glob g : globs) {
      if (g.matches(value)) {
        return true;
      }
    }
    return false;
  }

  public boolean matches(String value) {
    String v = value.toLowerCase(Locale.ROOT);
    int p = 0;
    int s = 0;
    int star = -1;
    int mark = 0;
    while (s < v.length()) {
      if (p < pattern.length() && (pattern.charAt(p) == '?' || pattern.charAt(p) == v.charAt(s))) {
        p++;
        s++;
      } else if (p < pattern.length() && pattern.charAt(p) == '*') {
        star = p++;
        mark = s;
      } else if (star >= 0) {
        p = star + 1;
        s = ++mark;
      } else {
        return false;
      }
    }
    while (p < pattern.length() && pattern.charAt(p) == '*') {
      p++;
    }
    return p == pattern.length();
  }
}
