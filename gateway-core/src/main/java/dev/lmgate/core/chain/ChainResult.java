package dev.lmgate.core.chain;

import dev.lmgate.spi.Rejection;

/**
 * How a phase of the chain ended.
 *
 * @param rejection the error to send, or {@code null} when the exchange goes on
 * @param blockedBy the filter that blocked, or {@code null}
 */
public record ChainResult(Rejection rejection, String blockedBy) {
  private static final ChainResult PROCEED = new ChainResult(null, null);

  public static ChainResult proceed() {
    return PROCEED;
  }

  public boolean blocked() {
    return rejection != null;
  }
}
