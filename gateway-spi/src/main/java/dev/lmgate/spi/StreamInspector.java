package dev.lmgate.spi;

import java.util.List;

/**
 * Inspects a streamed answer before the client sees it. The stream guard assembles the text of each
 * output (per choice: content, reasoning, each tool call's arguments) and calls {@link #inspect}
 * whenever an output grows. Besides what to do, each answer says <b>from which position a match
 * could still complete</b> once more text arrives ({@link StreamDecision#undecidedFrom}): the text
 * before it is decided. The guard releases an event only when every character it carries is decided
 * for every inspector whose filter changes the answer (a filter in shadow mode, {@code action:
 * alert}, never holds text), and never holds more than {@link #holdBack()} characters per output
 * for one inspector.
 *
 * <p>Contract: a match of length at most {@code holdBack()} is seen whole before any of its
 * characters is released, provided {@code undecidedFrom} is never later than the start of a match
 * that could still complete. An inspector that does not say ({@link StreamDecision#WINDOW}) is held
 * the fixed {@code holdBack()} characters behind the end. Implementations run on the event loop:
 * they must be CPU-bound and linear in the text they scan (no blocking, no backtracking regexes).
 */
public interface StreamInspector {

  /**
   * The most characters per output this inspector may hold: the longest match it is sure to catch
   * whole (configured; a rule whose longest match exceeds it is refused at load).
   */
  int holdBack();

  /**
   * Looks at an output's assembled text.
   *
   * @param key the output's key ({@link OutputText#key()})
   * @param channel content, reasoning or tool-call arguments
   * @param text everything received for this output so far (before any redaction)
   * @param scanFrom no match that is not yet acted on starts before this index: it is what this
   *     inspector last answered as {@code undecidedFrom} for this output (0 at first), or the end
   *     minus {@code holdBack()} when that is later; the text before it is context only (a {@code
   *     \b} looks at it)
   * @param complete whether the output is finished: nothing is undecided any more
   */
  StreamDecision inspect(
      String key, OutputChannel channel, String text, int scanFrom, boolean complete);

  /**
   * What an inspector decided about an output.
   *
   * @param undecidedFrom the earliest index from which a match could still complete with more text,
   *     {@code text.length()} when everything is decided, or {@link #WINDOW}: not said, hold the
   *     last {@code holdBack()} characters
   */
  record StreamDecision(boolean block, String reason, List<Span> redactions, int undecidedFrom) {
    /** {@link #undecidedFrom} not said: the fixed window applies. */
    public static final int WINDOW = -1;

    private static final StreamDecision PASS = new StreamDecision(false, "", List.of(), WINDOW);

    public StreamDecision {
      redactions = List.copyOf(redactions);
      if (undecidedFrom < WINDOW) {
        throw new IllegalArgumentException(
            "undecidedFrom: " + undecidedFrom + " (expected: >= 0, or WINDOW)");
      }
    }

    public StreamDecision(boolean block, String reason, List<Span> redactions) {
      this(block, reason, redactions, WINDOW);
    }

    public static StreamDecision pass() {
      return PASS;
    }

    public static StreamDecision block(String reason) {
      return new StreamDecision(true, reason, List.of(), WINDOW);
    }

    public static StreamDecision redact(String reason, List<Span> spans) {
      return new StreamDecision(false, reason, spans, WINDOW);
    }

    /** Passed but noted (a {@link StreamReview}'s alert; recorded as the filter's outcome). */
    public static StreamDecision alert(String reason) {
      return new StreamDecision(false, reason, List.of(), WINDOW);
    }

    /** This decision, saying that a match could still complete from {@code index} on. */
    public StreamDecision undecidedFrom(int index) {
      return new StreamDecision(block, reason, redactions, index);
    }
  }

  /**
   * A range of an output's assembled text to replace.
   *
   * @param start first character, inclusive
   * @param end last character, exclusive
   * @param replacement the text the client sees instead
   */
  record Span(int start, int end, String replacement) {
    public Span {
      if (start < 0 || end < start) {
        throw new IllegalArgumentException(
            "span: [" + start + "," + end + ") (expected: 0 <= start <= end)");
      }
    }
  }
}
