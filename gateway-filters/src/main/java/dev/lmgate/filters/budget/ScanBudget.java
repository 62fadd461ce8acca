package dev.lmgate.filters.budget;

import java.time.Duration;

/**
 * The time a scan may take, checked cooperatively: long loops over caller or model text call {@link
 * #check()} between bounded steps (a chunk of a few kilobytes, a rule, a view), which throws {@link
 * ScanBudgetExceeded} once the deadline has passed. The deadline is the filter's own timeout, so
 * when the chain gives up on a filter the filter's work stops as well instead of running on and
 * starving other requests.
 *
 * <p>Thread-safe: the deadline is fixed; {@link #cancel()} may be called from any thread.
 */
public final class ScanBudget {
  /** No deadline: offline scans (evaluation, red-team runs) and tests. */
  public static final ScanBudget UNLIMITED = new ScanBudget(Long.MAX_VALUE);

  private final long deadlineNanos; // System.nanoTime() scale
  private volatile boolean cancelled;

  private ScanBudget(long deadlineNanos) {
    this.deadlineNanos = deadlineNanos;
  }

  /** A budget that runs out {@code time} from now. */
  public static ScanBudget of(Duration time) {
    long now = System.nanoTime();
    long nanos = time.toNanos();
    return new ScanBudget(nanos >= Long.MAX_VALUE - now ? Long.MAX_VALUE : now + nanos);
  }

  /**
   * The budget of one filter's scan of a request: until the earlier of the filter's own {@code
   * timeout} from now and the request's scan deadline ({@code server.max-scan-time} after it
   * arrived), so that all the filters of a request together stay within the request's budget.
   */
  public static ScanBudget forRequest(dev.lmgate.spi.RequestView request, Duration timeout) {
    ScanBudget own = of(timeout);
    long requestDeadline = request.scanDeadlineNanos();
    return requestDeadline != Long.MAX_VALUE && requestDeadline - own.deadlineNanos < 0
        ? new ScanBudget(requestDeadline)
        : own;
  }

  /** Stops the scan at its next check (its caller no longer waits for it). */
  public void cancel() {
    cancelled = true;
  }

  /** Nanoseconds left before the deadline ({@link Long#MAX_VALUE}: none; 0: none left). */
  public long remainingNanos() {
    if (deadlineNanos == Long.MAX_VALUE) {
      return Long.MAX_VALUE;
    }
    return Math.max(0, deadlineNanos - System.nanoTime());
  }

  /** Whether the scan should stop. */
  public boolean exhausted() {
    return cancelled || (deadlineNanos != Long.MAX_VALUE && System.nanoTime() - deadlineNanos >= 0);
  }

  /**
   * @throws ScanBudgetExceeded when the deadline has passed or the scan was cancelled
   */
  public void check() {
    if (exhausted()) {
      throw new ScanBudgetExceeded();
    }
  }
}
