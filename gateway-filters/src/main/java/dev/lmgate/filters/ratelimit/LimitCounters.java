package dev.lmgate.filters.ratelimit;

/**
 * Rate-limit state. The default is {@link InMemoryLimitCounters}, one process's memory; replicas
 * that must share limits implement this on a shared engine (Redis, PostgreSQL). Counters are token
 * buckets named by key; times are nanoseconds on the caller's clock.
 */
public interface LimitCounters {

  /**
   * Takes {@code amount} from the bucket if it holds that much.
   *
   * @return 0 if taken, otherwise nanoseconds until it would hold that much
   */
  long tryTake(String key, Rate rate, long amount, long nowNanos);

  /**
   * Whether the bucket holds anything (a budget that is not yet spent).
   *
   * @return 0 if it does, otherwise nanoseconds until it holds one unit
   */
  long available(String key, Rate rate, long nowNanos);

  /** Takes {@code amount} unconditionally; the bucket may go into debt (tokens already spent). */
  void charge(String key, Rate rate, long amount, long nowNanos);

  /** Takes a concurrency slot if fewer than {@code max} are held. */
  boolean tryAcquire(String key, int max);

  /** Returns a slot taken with {@link #tryAcquire}. */
  void release(String key);
}
