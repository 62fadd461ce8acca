package dev.lmgate.filters.sanitize;

/**
 * The characters {@code sanitize} treats as hidden: control characters (C0 and C1 but tab, newline
 * and carriage return) and invisible ones (zero-width and other format characters, bidi controls,
 * tag characters, the soft hyphen), which can hide instructions from people and from rules; the
 * zero-width joiner inside an emoji sequence is kept.
 */
final class HiddenCharacters {
  private HiddenCharacters() {}

  static boolean hasControl(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (isControl(s.charAt(i))) {
        return true;
      }
    }
    return false;
  }

  private static boolean isControl(char c) {
    return (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || (c >= 0x7F && c <= 0x9F);
  }

  static String stripControl(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!isControl(c)) {
        b.append(c);
      }
    }
    return b.toString();
  }

  /**
   * Removes zero-width and other format characters, bidi controls, tag characters and variation
   * selectors, keeping the zero-width joiner inside emoji sequences (where it is meaningful).
   */
  static String stripInvisible(String s) {
    StringBuilder b = null;
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      int n = Character.charCount(cp);
      boolean drop =
          cp == 0x200D
              ? !(i > 0
                  && Character.isSurrogate(s.charAt(i - 1))
                  && i + 1 < s.length()
                  && Character.isSurrogate(s.charAt(i + 1)))
              : isInvisible(cp);
      if (drop && b == null) {
        b = new StringBuilder(s.length());
        b.append(s, 0, i);
      } else if (!drop && b != null) {
        b.appendCodePoint(cp);
      }
      i += n;
    }
    return b == null ? s : b.toString();
  }

  private static boolean isInvisible(int cp) {
    return (cp >= 0x200B && cp <= 0x200F)
        || (cp >= 0x202A && cp <= 0x202E)
        || (cp >= 0x2060 && cp <= 0x2069)
        || cp == 0xFEFF
        || cp == 0x00AD
        || cp == 0x061C
        || (cp >= 0xE0000 && cp <= 0xE007F);
  }
}
