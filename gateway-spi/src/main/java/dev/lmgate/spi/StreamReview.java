package dev.lmgate.spi;

import dev.lmgate.spi.StreamInspector.StreamDecision;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * An asynchronous look at a streamed answer, for filters whose verdict comes from outside the
 * gateway: an LLM judge, a moderation API, a person approving a tool call. Unlike a {@link
 * StreamInspector} it may take its time; the stream guard starts a review every {@link #cadence()}
 * characters of new output (at most one at a time per stream) and always once the answer is
 * complete, and the stream's ending waits for that last review.
 *
 * <p>With {@link #holdsText()} nothing a review has not passed reaches the client: the guard
 * releases text only up to what the last passed review saw (and within the inspectors' hold-back
 * window), so the client receives the answer in bursts. Without it text keeps flowing while a
 * review runs and a block ends the stream at once; what went out before is bounded by the cadence
 * plus what arrived while the review ran (docs/streaming.md).
 *
 * <p>Only {@link StreamDecision#block()} is honoured: a review cannot rewrite text already on its
 * way. A review that fails or exceeds the filter's timeout is an error under the filter's {@code
 * on-error}.
 */
public interface StreamReview {

  /** Characters of new output between reviews; 0 reviews only the complete answer. */
  int cadence();

  /** Whether text waits for a review to pass it (see the class comment). */
  boolean holdsText();

  /**
   * Reviews the answer so far. Called on the event loop; must return at once and complete later on
   * any thread.
   */
  CompletionStage<StreamDecision> review(Answer answer);

  /** A review of {@code cadence} and {@link #holdsText()} that asks {@code review}. */
  static StreamReview of(
      int cadence,
      boolean holdsText,
      java.util.function.Function<Answer, CompletionStage<StreamDecision>> review) {
    return new StreamReview() {
      @Override
      public int cadence() {
        return cadence;
      }

      @Override
      public boolean holdsText() {
        return holdsText;
      }

      @Override
      public CompletionStage<StreamDecision> review(Answer answer) {
        return review.apply(answer);
      }
    };
  }

  /**
   * The streamed answer as far as it has arrived.
   *
   * @param outputs each output's assembled text (before any redaction), in order of appearance
   * @param toolNames tool-call names by output key (for the outputs on the tool-arguments channel)
   * @param complete whether the answer is finished
   */
  record Answer(List<OutputText> outputs, Map<String, String> toolNames, boolean complete) {
    public Answer {
      outputs = List.copyOf(outputs);
      toolNames = Map.copyOf(toolNames);
    }

    /** The texts of one channel, joined by newlines. */
    public String text(OutputChannel channel) {
      StringBuilder b = new StringBuilder();
      for (OutputText o : outputs) {
        if (o.channel() == channel) {
          b.append(o.text()).append('\n');
        }
      }
      return b.toString();
    }
  }
}
