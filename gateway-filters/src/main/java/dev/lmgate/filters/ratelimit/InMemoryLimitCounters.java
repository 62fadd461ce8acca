package dev.lmgate.filters.ratelimit;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Limit counters in this process's memory, safe for all event loops at once: one lock makes each
 * admission all or nothing (it is held for a few map lookups). Buckets are created full on first
 * use. Idle buckets are not evicted: their number is bounded by callers × limits.
 *
 * <p>A {@code share} below 1 scales every limit down (at least one unit is left): what a replica
 * enforces on its own while the shared store is down, its part of a limit all replicas share.
 */
public final class InMemoryLimitCounters implements LimitCounters {

  private static final class Bucket {
    double level;
    long updated;
    boolean fresh = true;

    /** Brings the level up to date; call with the lock held. */
    void refill(double capacity, double perNano, long now) {
      if (fresh) {
        level = capacity;
        updated = now;
        fresh = false;
        return;
      }
      long elapsed = Math.max(0, now - updated);
      level = Math.min(capacity, level + elapsed * perNano);
      updated = now;
    }
  }

  private final double share;
  private final Map<String, Bucket> buckets = new HashMap<>();
  private final Map<String, Integer> slots = new HashMap<>();

  /** Counters that enforce every limit whole. */
  public InMemoryLimitCounters() {
    this(1.0);
  }

  /**
   * @param share the part of each limit enforced here, in (0, 1]
   */
  public InMemoryLimitCounters(double share) {
    if (!(share > 0 && share <= 1)) {
      throw new IllegalArgumentException("share: " + share);
    }
    this.share = share;
  }

  private double capacity(Rate rate) {
    return Math.max(1, rate.amount() * share);
  }

  private double perNano(Rate rate) {
    return capacity(rate) / rate.window().toNanos();
  }

  private Bucket bucket(String key, Rate rate, long now) {
    Bucket b = buckets.computeIfAbsent(key, k -> new Bucket());
    b.refill(capacity(rate), perNano(rate), now);
    return b;
  }

  private int maxSlots(int max) {
    return (int) Math.max(1, Math.floor(max * share));
  }

  @Override
  public synchronized CompletionStage<Admission> admit(Demand demand, long nowNanos) {
    for (int i = 0; i < demand.budgets().size(); i++) {
      Budget b = demand.budgets().get(i);
      Bucket k = bucket(b.key(), b.rate(), nowNanos);
      if (k.level < 1) {
        return done(Admission.refused(Refusal.BUDGET, i, waitNanos(b.rate(), 1 - k.level)));
      }
    }
    for (int i = 0; i < demand.slots().size(); i++) {
      Slot s = demand.slots().get(i);
      if (slots.getOrDefault(s.key(), 0) >= maxSlots(s.max())) {
        return done(Admission.refused(Refusal.SLOT, i, 1_000_000_000L));
      }
    }
    for (int i = 0; i < demand.requests().size(); i++) {
      Requests r = demand.requests().get(i);
      Bucket k = bucket(r.key(), r.rate(), nowNanos);
      if (k.level < 1) {
        return done(Admission.refused(Refusal.REQUESTS, i, waitNanos(r.rate(), 1 - k.level)));
      }
    }
    List<String> leases = new ArrayList<>();
    for (Slot s : demand.slots()) {
      slots.merge(s.key(), 1, Integer::sum);
      leases.add(s.key());
    }
    for (Requests r : demand.requests()) {
      buckets.get(r.key()).level -= 1;
    }
    return done(Admission.admitted(leases));
  }

  private static CompletionStage<Admission> done(Admission a) {
    return CompletableFuture.completedFuture(a);
  }

  @Override
  public synchronized void release(String lease) {
    slots.computeIfPresent(lease, (k, n) -> n <= 1 ? null : n - 1);
  }

  @Override
  public synchronized void charge(String key, Rate rate, long amount, long nowNanos) {
    bucket(key, rate, nowNanos).level -= amount;
  }

  private long waitNanos(Rate rate, double missing) {
    return Math.max(1, (long) Math.ceil(missing / perNano(rate)));
  }
}
