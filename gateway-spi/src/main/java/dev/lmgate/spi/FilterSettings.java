package dev.lmgate.spi;

import java.time.Duration;
import java.util.Objects;

/**
 * The settings every filter has, whatever its own config.
 *
 * @param action what a match does: block, redact (rewrite and pass) or alert (record only)
 * @param timeout how long the filter may take per phase before {@code onError} applies
 * @param onError what happens when the filter fails or times out
 */
public record FilterSettings(Action action, Duration timeout, OnError onError) {

  /** What a filter does when its rule matches. */
  public enum Action {
    BLOCK,
    REDACT,
    ALERT
  }

  /** What the chain does when a filter throws or times out. */
  public enum OnError {
    /** The exchange is refused (503): safe by default. */
    FAIL_CLOSED,
    /** The filter is skipped and the failure recorded. */
    FAIL_OPEN
  }

  public FilterSettings {
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(onError, "onError");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout: " + timeout + " (expected: > 0)");
    }
  }

  public static FilterSettings defaults(Action action) {
    return new FilterSettings(action, Duration.ofSeconds(2), OnError.FAIL_CLOSED);
  }
}
