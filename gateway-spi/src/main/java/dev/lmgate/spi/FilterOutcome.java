package dev.lmgate.spi;

/**
 * Proof of enforcement: one filter's run on one phase of an exchange.
 *
 * @param filterId the filter's id
 * @param phase request, response or stream
 * @param verdict what it decided; {@code ERROR} outcomes record fail-open/closed handling
 * @param reason secret-free reason (rule name, limit, error class)
 * @param nanos how long it took
 */
public record FilterOutcome(
    String filterId, Phase phase, Outcome verdict, String reason, long nanos) {

  /** The phase of the exchange. */
  public enum Phase {
    REQUEST,
    RESPONSE,
    STREAM
  }

  /** A verdict, or the failure of a filter. */
  public enum Outcome {
    PASS,
    ALERT,
    MODIFY,
    BLOCK,
    /** The filter failed or timed out and was skipped ({@code on-error: fail-open}). */
    ERROR_SKIPPED,
    /** The filter failed or timed out and the exchange was refused ({@code fail-closed}). */
    ERROR_BLOCKED;

    public static Outcome of(Verdict.Kind kind) {
      return switch (kind) {
        case PASS -> PASS;
        case ALERT -> ALERT;
        case MODIFY -> MODIFY;
        case BLOCK -> BLOCK;
      };
    }
  }
}
