package dev.lmgate.spi;

import java.util.List;

/**
 * Inspects a streamed answer before the client sees it. The stream guard assembles the text of each
 * output (per choice: content, reasoning, each tool call's arguments) and holds back the last
 * {@link #holdBack()} characters of each; it calls {@link #inspect} whenever an output grows and
 * releases an event only once every character it carries lies before the hold-back window.
 *
 * <p>Contract: a match of length at most {@code holdBack()} is always seen before any of its
 * characters is released. Implementations run on the event loop: they must be CPU-bound and linear
 * in the text they scan (no blocking, no backtracking regexes).
 */
public interface StreamInspector {

  /** Characters to hold back per output; the longest match this inspector must catch whole. */
  int holdBack();

  /**
   * Looks at an output's assembled text.
   *
   * @param key the output's key ({@link OutputText#key()})
   * @param channel content, reasoning or tool-call arguments
   * @param text everything received for this output so far (before any redaction)
   * @param scanFrom characters before this index were already inspected with at least {@code
   *     holdBack()} characters of look-ahead; a match must end after it to be new
   * @param complete whether the output is finished (no hold-back applies any more)
   */
  StreamDecision inspect(
      String key, OutputChannel channel, String text, int scanFrom, boolean complete);

  /** What an inspector decided about an output. */
  record StreamDecision(boolean block, String reason, List<Span> redactions) {
    private static final StreamDecision PASS = new StreamDecision(false, "", List.of());

    public StreamDecision {
      redactions = List.copyOf(redactions);
    }

    public static StreamDecision pass() {
      return PASS;
    }

    public static StreamDecision block(String reason) {
      return new StreamDecision(true, reason, List.of());
    }

    public static StreamDecision redact(String reason, List<Span> spans) {
      return new StreamDecision(false, reason, spans);
    }

    /** Passed but noted (a {@link StreamReview}'s alert; recorded as the filter's outcome). */
    public static StreamDecision alert(String reason) {
      return new StreamDecision(false, reason, List.of());
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
