package dev.lmgate.filters.ratelimit;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Rate-limit state. The default is {@link InMemoryLimitCounters}, one process's memory; replicas
 * that share limits use one on a shared engine (the {@code gateway-state} module's Redis counters).
 * Counters are token buckets and concurrency slots named by key.
 *
 * <p>A request is admitted in one step ({@link #admit}), all or nothing, so that a shared engine
 * answers it in one round trip and two replicas cannot both take the last unit. The stage may
 * complete on another thread; a counter store that cannot answer completes it exceptionally (the
 * filter's {@code on-error} decides), or falls back as its own settings say.
 */
public interface LimitCounters {

  /** A token budget that must not be spent: it holds at least one unit. */
  record Budget(String key, Rate rate) {}

  /** A concurrency limit: at most {@code max} slots held at once. */
  record Slot(String key, int max) {}

  /** A request rate: one unit is taken per admitted request. */
  record Requests(String key, Rate rate) {}

  /** What a request needs to be admitted. */
  record Demand(List<Budget> budgets, List<Slot> slots, List<Requests> requests) {
    public Demand {
      budgets = List.copyOf(budgets);
      slots = List.copyOf(slots);
      requests = List.copyOf(requests);
    }

    public boolean isEmpty() {
      return budgets.isEmpty() && slots.isEmpty() && requests.isEmpty();
    }
  }

  /** Which check refused a request. */
  enum Refusal {
    BUDGET,
    SLOT,
    REQUESTS
  }

  /**
   * The answer: admitted with the slot leases it holds (each to be {@link #release}d), or refused
   * by the {@code index}-th check of kind {@code refusal}, with how long until it could pass.
   */
  record Admission(
      boolean admitted, List<String> leases, Refusal refusal, int index, long waitNanos) {
    public Admission {
      leases = List.copyOf(leases);
    }

    public static Admission admitted(List<String> leases) {
      return new Admission(true, leases, null, -1, 0);
    }

    public static Admission refused(Refusal refusal, int index, long waitNanos) {
      return new Admission(false, List.of(), refusal, index, waitNanos);
    }
  }

  /**
   * Admits a request if every budget holds something, every slot is free and every request bucket
   * holds a unit; then takes the slots and one unit of each request bucket. Nothing is taken when
   * the request is refused.
   *
   * @param nowNanos the caller's clock (stores on a shared engine use the engine's clock instead)
   */
  CompletionStage<Admission> admit(Demand demand, long nowNanos);

  /**
   * Returns a slot lease from {@link Admission#leases()}; unknown or expired leases are ignored.
   */
  void release(String lease);

  /** Takes {@code amount} unconditionally; the bucket may go into debt (tokens already spent). */
  void charge(String key, Rate rate, long amount, long nowNanos);
}
