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
    String stripped = unescapeLineBreaks(tail).strip();
    int lastLine = Math.max(stripped.lastIndexOf('\n'), stripped.lastIndexOf('\r'));
    String line = stripped.substring(lastLine + 1);
    if (isCodeStatement(line)) {
      return 0;
    }
    String[] tokens = tokens(line);
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
      if (isTemplateSlot(t) || t.contains("->") || t.contains("::")) {
        continue; // a placeholder (${name}, [name], {{name}}) or a member access: code, not noise
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
   * The text with JSON- or C-style escaped line breaks ({@code \n}, {@code \r}, {@code \t} written
   * as two characters, as in a pasted string literal) made real, so that an escaped multi-line text
   * is read line by line like the text it stands for. An escape followed by a lower-case letter is
   * left alone ({@code \newcommand} is markup, and markup shards are what this looks for).
   */
  static String unescapeLineBreaks(String text) {
    if (text.indexOf('\\') < 0) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length());
    int n = text.length();
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (c == '\\'
          && i + 1 < n
          && "nrt".indexOf(text.charAt(i + 1)) >= 0
          && (i + 2 == n || !Character.isLowerCase(text.charAt(i + 2)))) {
        out.append(text.charAt(i + 1) == 't' ? ' ' : '\n');
        i++;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /**
   * A line of code: it ends a statement or a block ({@code ;}, {@code {}, {@code }}) and its
   * parentheses, brackets and braces pair up. An optimizer's output ends anywhere and leaves its
   * brackets open; camelCase names and {@code $_POST['id']} in a statement are a program's.
   */
  static boolean isCodeStatement(String line) {
    String t = line.strip();
    if (t.isEmpty() || ";{}".indexOf(t.charAt(t.length() - 1)) < 0 || endsWithEntity(t)) {
      return false;
    }
    int parens = 0;
    int brackets = 0;
    int braces = 0;
    for (int i = 0; i < t.length(); i++) {
      switch (t.charAt(i)) {
        case '(' -> parens++;
        case ')' -> parens--;
        case '[' -> brackets++;
        case ']' -> brackets--;
        case '{' -> braces++;
        case '}' -> braces--;
        default -> {}
      }
      if (parens < 0 || brackets < 0) {
        return false;
      }
    }
    return parens == 0 && brackets == 0 && braces >= -1 && braces <= 1;
  }

  /** Whether the text ends with an HTML character reference ({@code &gt;}, {@code &#64;}). */
  private static boolean endsWithEntity(String t) {
    int amp = t.lastIndexOf('&');
    if (amp < 0 || t.length() - amp < 3) {
      return false;
    }
    for (int i = amp + 1; i < t.length() - 1; i++) {
      char c = t.charAt(i);
      if (!(c < 128 && Character.isLetterOrDigit(c) || c == '#' && i == amp + 1)) {
        return false;
      }
    }
    return true;
  }

  /**
   * A template's placeholder, whole but for punctuation around it: {@code ${name}}, {@code
   * ${framework:React}}, {@code {name}}, {@code {{name}}}, {@code [name]}, {@code [[name]]}.
   */
  static boolean isTemplateSlot(String token) {
    int a = 0;
    int b = token.length();
    while (a < b && "(\"'`".indexOf(token.charAt(a)) >= 0) {
      a++;
    }
    while (b > a && ".,;:!?)\"'`".indexOf(token.charAt(b - 1)) >= 0) {
      b--;
    }
    String t = token.substring(a, b);
    String inner;
    if (t.startsWith("${") && t.endsWith("}")) {
      inner = t.substring(2, t.length() - 1);
    } else if (t.startsWith("{{") && t.endsWith("}}") || t.startsWith("[[") && t.endsWith("]]")) {
      inner = t.substring(2, t.length() - 2);
    } else if (t.startsWith("{") && t.endsWith("}") || t.startsWith("[") && t.endsWith("]")) {
      inner = t.substring(1, t.length() - 1);
    } else {
      return false;
    }
    if (inner.isEmpty()) {
      return false;
    }
    for (int i = 0; i < inner.length(); i++) {
      char c = inner.charAt(i);
      if (!(Character.isLetterOrDigit(c) || c == '_' || c == '-' || c == ':' || c == '.')) {
        return false;
      }
    }
    return true;
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
