package dev.lmgate.filters.injection;

/**
 * Adversarial suffixes found by optimization (GCG and its kin) read as word salad: runs of lone
 * brackets and exclamation marks, words glued with case changes inside them ({@code similarlyNow},
 * {@code SureBEtera}), markup shards. This scores the last 60 tokens of a text by how many look
 * like that; ordinary prose and code score 0. Returns 0, or a weight in (0, 0.85].
 */
final class Gibberish {
  private Gibberish() {}

  static double score(String raw) {
    // the tail of the last line: suffixes are appended, and 40 tokens fit in 600 characters
    String tail = raw.length() > 600 ? raw.substring(raw.length() - 600) : raw;
    String stripped = tail.strip();
    int lastLine = Math.max(stripped.lastIndexOf('\n'), stripped.lastIndexOf('\r'));
    String[] tokens = tokens(stripped.substring(lastLine + 1));
    int from = Math.max(0, tokens.length - 40);
    int n = tokens.length - from;
    if (n < 10) {
      return 0;
    }
    int loneBrackets = 0;
    int glued = 0;
    int mixed = 0;
    for (int i = from; i < tokens.length; i++) {
      String t = tokens[i];
      if (t.contains("://")) {
        continue; // a link: its slashes and case are an address's, not an optimizer's
      }
      if (t.length() <= 2 && t.chars().allMatch(c -> c == '[' || c == '!')) {
        loneBrackets++;
      } else if (isGlued(t)) {
        glued++;
      } else if (isMixed(t)) {
        mixed++;
      }
    }
    double weird = (loneBrackets + 2.0 * glued + 1.5 * mixed) / n;
    boolean shape = loneBrackets >= 2 || glued >= 1 && mixed >= 1 || mixed >= 3;
    return shape && weird >= 0.2 ? Math.min(0.85, 0.45 + weird) : 0;
  }

  /**
   * The text split at runs of ASCII white space ({@code \s}: tab, new line, form feed, carriage
   * return, space) as {@code Pattern.split} does it — an empty first token when the text starts
   * with white space, none at the end — without a regular expression: this runs on every prompt.
   */
  static String[] tokens(String text) {
    java.util.List<String> out = new java.util.ArrayList<>();
    int n = text.length();
    int i = 0;
    if (n > 0 && isSpace(text.charAt(0))) {
      out.add("");
      while (i < n && isSpace(text.charAt(i))) {
        i++;
      }
    }
    while (i < n) {
      int start = i;
      while (i < n && !isSpace(text.charAt(i))) {
        i++;
      }
      out.add(text.substring(start, i));
      while (i < n && isSpace(text.charAt(i))) {
        i++;
      }
    }
    if (out.isEmpty()) {
      out.add(text); // as split does: an empty text is one empty token
    }
    return out.toArray(new String[0]);
  }

  private static boolean isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
  }

  /**
   * Letters fused with markup or bracket characters, as optimizers emit them ({@code ^{+},
   * {@code ]];usepackage}, {@code \\!--Two}, {@code **ONE}).
   */
  private static boolean isMixed(String t) {
    boolean letter = false;
    int marks = 0;
    for (int i = 0; i < t.length(); i++) {
      char c = t.charAt(i);
      if (Character.isLetter(c)) {
        letter = true;
      } else if ("[]{}^\\*/=;@$|".indexOf(c) >= 0) {
        marks++;
      }
    }
    return letter && marks >= 2 || !letter && marks >= 2 && t.length() >= 3;
  }

  /**
   * An upper-case letter right after at least four lower-case ones, in a word that is not an
   * identifier (no dot, underscore, parenthesis or digit), e.g. {@code similarlyNow}, {@code
   * againetafterAtlas}.
   */
  private static boolean isGlued(String t) {
    int lowerRun = 0;
    boolean identifier = false;
    boolean glued = false;
    for (int i = 0; i < t.length(); i++) {
      char c = t.charAt(i);
      if (c == '_' || c == '(' || c == '.' && i + 1 < t.length() || Character.isDigit(c)) {
        identifier = true;
      }
      if (Character.isLowerCase(c)) {
        lowerRun++;
      } else {
        if (Character.isUpperCase(c) && lowerRun >= 4) {
          glued = true;
        }
        lowerRun = 0;
      }
    }
    return glued && !identifier;
  }
}
