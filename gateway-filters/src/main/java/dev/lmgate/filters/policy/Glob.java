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

  /** Reads one value of a glob-keyed map: the entry {@code key} of {@code parent}. */
  @FunctionalInterface
  public interface EntryReader<V> {
    V read(dev.lmgate.spi.ConfigReader parent, String key) throws dev.lmgate.spi.ConfigException;
  }

  /**
   * A map keyed by globs, e.g. {@code routes: {openai-*: 0.6}}, in the order written; empty when
   * {@code key} is absent.
   */
  public static <V> java.util.Map<Glob, V> keyed(
      dev.lmgate.spi.ConfigReader r, String key, EntryReader<V> value)
      throws dev.lmgate.spi.ConfigException {
    java.util.Map<Glob, V> out = new java.util.LinkedHashMap<>();
    if (!r.has(key)) {
      return out;
    }
    dev.lmgate.spi.ConfigReader map = r.child(key);
    List<String> globs = new java.util.ArrayList<>();
    map.node().fieldNames().forEachRemaining(globs::add);
    for (String g : globs) {
      out.put(new Glob(g), value.read(map, g));
    }
    return out;
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
