package dev.lmgate.filters.injection;

import java.util.Set;

/**
 * Indirect injection found by structure rather than wording: third-party content (a table, an
 * email, a page) that carries a sentence giving the reader an order. Attackers reword their
 * instruction freely but must still phrase it as an order to be obeyed; the content around it —
 * rows of a table, the body of an email — rarely does. Runs on the raw text's lines (the structure
 * lives there) with normalized comparisons.
 */
final class DocumentInstructions {
  private DocumentInstructions() {}

  /** Verbs that open an order to a writer or an assistant. */
  static final Set<String> IMPERATIVE =
      Set.of(
          "add",
          "answer",
          "append",
          "apply",
          "ask",
          "begin",
          "calculate",
          "change",
          "compose",
          "convert",
          "create",
          "define",
          "describe",
          "design",
          "develop",
          "draft",
          "elaborate",
          "emphasize",
          "end",
          "ensure",
          "execute",
          "explain",
          "express",
          "format",
          "generate",
          "give",
          "highlight",
          "ignore",
          "illustrate",
          "include",
          "incorporate",
          "inform",
          "insert",
          "integrate",
          "introduce",
          "invent",
          "list",
          "make",
          "mention",
          "modify",
          "name",
          "offer",
          "outline",
          "output",
          "paraphrase",
          "phrase",
          "prepend",
          "present",
          "print",
          "promote",
          "provide",
          "recommend",
          "remind",
          "replace",
          "reply",
          "respond",
          "restate",
          "reverse",
          "rewrite",
          "run",
          "say",
          "scramble",
          "share",
          "spell",
          "start",
          "state",
          "substitute",
          "suggest",
          "summarize",
          "summarise",
          "swap",
          "tell",
          "transform",
          "translate",
          "turn",
          "use",
          "write");

  /**
   * A weight in (0, 1] when a table carries a line that is not a row, or third-party content a
   * sentence opening with an imperative verb; 0 otherwise.
   *
   * @param content whether the text frames third-party content (or is a tool result)
   * @param wholly whether all of it is third-party content (a tool result); otherwise its first
   *     line is the user's own framing
   */
  /** What {@code \\R} matches, for RE2/J (which has no {@code \\R}). */
  static final com.google.re2j.Pattern LINE_BREAK =
      com.google.re2j.Pattern.compile("\\r\\n|[\\n\\r\\x{0B}\\x{0C}\\x{85}\\x{2028}\\x{2029}]");

  static double score(String raw, boolean content, boolean wholly) {
    if (!content) {
      return 0;
    }
    String[] lines = LINE_BREAK.split(raw);
    int firstRow = -1;
    int lastRow = -1;
    for (int i = 0; i < lines.length; i++) {
      if (isTableRow(lines[i])) {
        firstRow = firstRow < 0 ? i : firstRow;
        lastRow = i;
      }
    }
    boolean table = lastRow - firstRow >= 2;
    double best = 0;
    for (int i = wholly ? 0 : 1; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || isQuestionLine(line)) {
        continue; // the user's own question
      }
      if (table && i < lines.length - 1 && !isTableRow(line) && words(line) >= 4) {
        return 0.85; // prose where rows belong
      }
      int start = 0;
      for (int k = 0; k <= line.length(); k++) {
        boolean end =
            k == line.length()
                || (k > 0
                    && ".!?".indexOf(line.charAt(k - 1)) >= 0
                    && Character.isWhitespace(line.charAt(k)));
        if (end) {
          if (opensWithOrder(line.substring(start, k))) {
            best = 0.6;
          }
          start = k;
        }
      }
    }
    return best;
  }

  private static boolean isTableRow(String line) {
    String l = line.strip();
    return l.length() >= 2 && l.charAt(0) == '|' && l.charAt(l.length() - 1) == '|';
  }

  private static boolean isQuestionLine(String line) {
    String l = line.toLowerCase(java.util.Locale.ROOT);
    return l.startsWith("question:") || l.startsWith("q:") || l.startsWith("question.");
  }

  private static int words(String s) {
    int n = 0;
    boolean in = false;
    for (int i = 0; i < s.length(); i++) {
      boolean space = Character.isWhitespace(s.charAt(i));
      if (!space && !in) {
        n++;
      }
      in = !space;
    }
    return n;
  }

  /** A sentence of at least four words whose first word is an imperative verb. */
  static boolean opensWithOrder(String sentence) {
    String s = sentence.strip();
    if (s.length() < 12 || s.startsWith("|")) {
      return false;
    }
    int end = 0;
    while (end < s.length() && Character.isLetter(s.charAt(end))) {
      end++;
    }
    if (end == 0 || !Character.isUpperCase(s.charAt(0))) {
      return false;
    }
    String first = s.substring(0, end).toLowerCase(java.util.Locale.ROOT);
    return IMPERATIVE.contains(first) && words(s) >= 4;
  }
}
