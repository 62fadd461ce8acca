package dev.lmgate.filters.text;

import com.google.re2j.Pattern;
import com.google.re2j.RequiredText;
import dev.lmgate.filters.budget.ScanBudget;
import java.nio.CharBuffer;
import java.util.Set;

/**
 * A pattern tried only where a match can begin. RE2/J searches with an NFA that starts a thread at
 * every character, which costs ~100 ns a character on a rule with many alternatives; when every
 * match begins with one of a few strings ({@link RequiredText#starts}), trying the pattern anchored
 * at each place one of them occurs finds the same matches in a few hundred nanoseconds. The pattern
 * still decides: the start strings only choose where it runs. With more than {@link #MAX_TRIES}
 * places in a region, the caller searches the region as a whole instead, so a text full of start
 * strings costs no more than before. The injection rules try it in regions ({@link #find}); the
 * output patterns begin their whole-text search at the first start ({@link #first}).
 */
public final class StartPoints {
  /** The most anchored tries in one region before a whole search is cheaper. */
  public static final int MAX_TRIES = 16;

  /** The longest region tried this way; a longer one is left to the caller's chunked search. */
  public static final int MAX_REGION = 8192;

  /** What a region holds: a match, none, or too many places to try (search it whole). */
  public enum Found {
    YES,
    NO,
    TOO_MANY
  }

  private final String[] starts;
  private final Pattern atTextStart; // \A(?:P): a match at the text's first character
  private final Pattern afterOne; // \A(?s:.)(?:P): a match after one character of context

  private StartPoints(Set<String> starts, Pattern pattern) {
    this.starts = starts.toArray(String[]::new);
    this.atTextStart = Pattern.compile("\\A(?:" + pattern.pattern() + ")");
    this.afterOne = Pattern.compile("\\A(?s:.)(?:" + pattern.pattern() + ")");
  }

  /** The start points of {@code pattern}, or null when its matches may begin anywhere. */
  public static StartPoints of(Pattern pattern) {
    Set<String> starts = RequiredText.starts(pattern);
    return starts.isEmpty() ? null : new StartPoints(starts, pattern);
  }

  /**
   * Whether the pattern matches within {@code text[from, to)}, the character before {@code from}
   * (when there is one) read as context for {@code \b}, as a search of the whole text would.
   * Regions longer than {@link #MAX_REGION} are left to the chunked search (each try is bounded by
   * the region), and {@code budget} is checked between tries.
   */
  public Found find(String text, int from, int to, ScanBudget budget) {
    if (to - from > MAX_REGION) {
      return Found.TOO_MANY;
    }
    budget.check();
    // the places are looked for in the region only (a search to the text's end, once per region
    // and start string, would cost regions × text length on a text with many trigger regions)
    String region = text.substring(from, to);
    int[] at = new int[MAX_TRIES];
    int n = 0;
    for (String s : starts) {
      for (int p = region.indexOf(s); p >= 0; p = region.indexOf(s, p + 1)) {
        if (n == MAX_TRIES) {
          return Found.TOO_MANY;
        }
        at[n++] = from + p;
      }
    }
    for (int i = 0; i < n; i++) {
      int p = at[i];
      budget.check();
      boolean match =
          p == 0
              ? atTextStart.matcher(CharBuffer.wrap(text, 0, to)).find()
              : afterOne.matcher(CharBuffer.wrap(text, p - 1, to)).find();
      if (match) {
        return Found.YES;
      }
    }
    return Found.NO;
  }

  /**
   * Where a match could begin first: the earliest occurrence of a start string; past the text's end
   * when none occurs (no match is possible). A search from there reads the text before it as
   * context, so {@code \b} is judged as in a search from the start. A pattern with more than {@link
   * #MAX_TRIES} start strings gets 0: a pass over the text per string would cost more than the
   * search it saves.
   */
  public int first(String text) {
    if (starts.length > MAX_TRIES) {
      return 0;
    }
    int first = text.length() + 1;
    for (String s : starts) {
      int i = text.indexOf(s);
      if (i >= 0 && i < first) {
        first = i;
      }
    }
    return first;
  }
}
