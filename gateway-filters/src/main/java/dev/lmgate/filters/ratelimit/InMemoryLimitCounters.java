package dev.lmgate.filters.ratelimit;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Limit counters in this process's memory, safe for all event loops at once. Buckets are created
 * full on first use. (Idle buckets are not evicted: their number is bounded by callers × limits.)
 */
public final class InMemoryLimitCounters implements LimitCounters {

  private static final class Bucket {
    double level;
    long updated;
    boolean fresh = true;

    /** Brings the level up to date; call with the monitor held. */
    void refill(Rate rate, long now) {
      if (fresh) {
        level = rate.amount();
        updated = now;
        fresh = false;
        return;
      }
      long elapsed = Math.max(0, now - updated);
      level = Math.min(rate.amount(), level + elapsed * perNano(rate));
      updated = now;
    }
  }

  private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, AtomicInteger> slots = new ConcurrentHashMap<>();

  private static double perNano(Rate rate) {
    return (double) rate.amount() / rate.window().toNanos();
  }

  private Bucket bucket(String key) {
    return buckets.computeIfAbsent(key, k -> new Bucket());
  }

  @Override
  public long tryTake(String key, Rate rate, long amount, long nowNanos) {
    Bucket b = bucket(key);
    synchronized (b) {
      b.refill(rate, nowNanos);
      if (b.level >= amount) {
        b.level -= amount;
        return 0;
      }
      return waitNanos(rate, amount - b.level);
    }
  }

  @Override
  public long available(String key, Rate rate, long nowNanos) {
    Bucket b = bucket(key);
    synchronized (b) {
      b.refill(rate, nowNanos);
      return b.level >= 1 ? 0 : waitNanos(rate, 1 - b.level);
    }
  }

  @Override
  public void charge(String key, Rate rate, long amount, long nowNanos) {
    Bucket b = bucket(key);
    synchronized (b) {
      b.refill(rate, nowNanos);
      b.level -= amount;
    }
  }

  private static long waitNanos(Rate rate, double missing) {
    return Math.max(1, (long) Math.ceil(missing / perNano(rate)));
  }

  @Override
  public boolean tryAcquire(String key, int max) {
    AtomicInteger n = slots.computeIfAbsent(key, k -> new AtomicInteger());
    while (true) {
      int held = n.get();
      if (held >= max) {
        return false;
      }
      if (n.compareAndSet(held, held + 1)) {
        return true;
      }
    }
  }

  @Override
  public void release(String key) {
    AtomicInteger n = slots.get(key);
    if (n != null) {
      n.updateAndGet(v -> Math.max(0, v - 1));
    }
  }
}
