package dev.lmgate.filters.budget;

/**
 * A scan stopped because its {@link ScanBudget} ran out. The filter chain treats it like any other
 * filter failure: the filter's {@code on-error} decides (fail-closed: 503), and the audit record
 * names it.
 */
public final class ScanBudgetExceeded extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ScanBudgetExceeded() {
    super("the scan ran out of its time budget", null, false, false);
  }
}
