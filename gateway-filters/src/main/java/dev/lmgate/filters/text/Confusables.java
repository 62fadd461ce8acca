package dev.lmgate.filters.text;

import java.util.HashMap;
import java.util.Map;

/**
 * Folds letters that look like Latin ones to those Latin letters, for detection: Cyrillic, Greek
 * and Armenian lookalikes and letterlike symbols that NFKC leaves alone (a subset of Unicode's
 * confusables.txt, chosen for the letters attack words are spelled with).
 */
final class Confusables {
  private Confusables() {}

  private static final Map<Integer, Integer> MAP = new HashMap<>();

  private static void map(String from, String to) {
    if (from.length() != to.length()) {
      throw new IllegalStateException("confusables table: " + from + " / " + to);
    }
    for (int i = 0; i < from.length(); i++) {
      MAP.put((int) from.charAt(i), (int) to.charAt(i));
    }
  }

  static {
    // Cyrillic
    map("аАвВсСеЕһНіІјЈкКмМоОрРѕЅтТуУхХԁԛԜԝџ", "aAbBcCeEhHiIjJkKmMoOpPsStTyYxXdqWwu");
    map("ӏɡɩɑ", "lgia");
    // Greek
    map("αΑβΒεΕηΗιΙκΚνΝοΟρΡτΤυΥχΧζΖμΜ", "aAbBeEnHiIkKvNoOpPtTuYxXzZuM");
    // Armenian
    map("օսոհցզ", "ounhgq");
    // letterlike and other symbols NFKC keeps
    map("ℓ℮⍳⍴⍵", "leipw");
  }

  static int fold(int cp) {
    if (cp < 0x0250) {
      return cp; // Latin: nothing to fold (and the common case stays a comparison)
    }
    Integer f = MAP.get(cp);
    return f == null ? cp : f;
  }
}
