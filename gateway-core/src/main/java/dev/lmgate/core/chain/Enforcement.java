package dev.lmgate.core.chain;

import dev.lmgate.spi.FilterOutcome;
import dev.lmgate.spi.FilterSettings;
import dev.lmgate.spi.Verdict;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * What a filter's own settings make of what it found, or of its failing: the one place where {@code
 * action: alert} (shadow mode) and {@code on-error} apply — for requests and whole answers ({@link
 * FilterChain}) and for streamed answers (the stream guard's inspectors and reviewers) alike.
 *
 * <ul>
 *   <li>A finding that would change the exchange (modify, block) becomes an alert in shadow mode:
 *       recorded, nothing changed.
 *   <li>A failure (thrown, timed out) skips the filter under {@code fail-open} and stops the
 *       exchange under {@code fail-closed}, recorded either way.
 * </ul>
 */
public final class Enforcement {
  private Enforcement() {}

  /** What the caller does next. */
  public enum Effect {
    /** Go on; nothing of the exchange changes. */
    PASS,
    /** Apply the filter's change (its edits, its redactions) and go on. */
    CHANGE,
    /** Refuse the request, or end the answer. */
    STOP
  }

  /**
   * @param outcome what the audit trail records for the filter
   * @param effect what the caller does
   * @param reason the filter's reason, or what failed ({@code timeout}, an exception's class)
   */
  public record Result(FilterOutcome.Outcome outcome, Effect effect, String reason) {
    public boolean stops() {
      return effect == Effect.STOP;
    }

    public boolean changes() {
      return effect == Effect.CHANGE;
    }
  }

  /** Whether the filter runs in shadow mode: it records what it would do and changes nothing. */
  public static boolean shadow(FilterSettings settings) {
    return settings.action() == FilterSettings.Action.ALERT;
  }

  /** A filter's finding, under its settings. */
  public static Result of(FilterSettings settings, Verdict.Kind kind, String reason) {
    return switch (kind) {
      case PASS -> new Result(FilterOutcome.Outcome.PASS, Effect.PASS, reason);
      case ALERT -> new Result(FilterOutcome.Outcome.ALERT, Effect.PASS, reason);
      case MODIFY ->
          shadow(settings)
              ? new Result(FilterOutcome.Outcome.ALERT, Effect.PASS, reason)
              : new Result(FilterOutcome.Outcome.MODIFY, Effect.CHANGE, reason);
      case BLOCK ->
          shadow(settings)
              ? new Result(FilterOutcome.Outcome.ALERT, Effect.PASS, reason)
              : new Result(FilterOutcome.Outcome.BLOCK, Effect.STOP, reason);
    };
  }

  /** A filter that threw or timed out, under its {@code on-error}. */
  public static Result failed(FilterSettings settings, Throwable error) {
    String what = describe(error);
    return settings.onError() == FilterSettings.OnError.FAIL_OPEN
        ? new Result(FilterOutcome.Outcome.ERROR_SKIPPED, Effect.PASS, what)
        : new Result(FilterOutcome.Outcome.ERROR_BLOCKED, Effect.STOP, what);
  }

  /** {@code timeout}, or the class of what was thrown (unwrapped from a future's wrapper). */
  public static String describe(Throwable error) {
    Throwable cause = error;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause instanceof TimeoutException ? "timeout" : cause.getClass().getSimpleName();
  }
}
