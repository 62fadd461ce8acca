package dev.lmgate.secrets;

import dev.lmgate.spi.Secret;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A resolved secret that its {@link Secrets} refreshes in the background. {@link #get()} never
 * blocks and never fails: a refresh that fails keeps the last good value (and is counted and
 * reported), so traffic never stops because a secret manager is down. A secret that verifies
 * callers reads {@link #confirmedWithin} instead, which bounds how long a stale value counts.
 */
public final class RefreshingSecret implements Supplier<Secret> {
  private final SecretRef ref;
  private final SecretProvider provider;
  private volatile Secret current;
  private final AtomicLong failures = new AtomicLong();
  private final AtomicLong changes = new AtomicLong();
  private final java.util.function.LongSupplier nanoClock;
  private volatile long confirmedNanos; // when the store last gave a value (nanoClock scale)

  RefreshingSecret(SecretRef ref, SecretProvider provider, Secret first) {
    this(ref, provider, first, System::nanoTime);
  }

  RefreshingSecret(
      SecretRef ref, SecretProvider provider, Secret first, java.util.function.LongSupplier nano) {
    this.ref = ref;
    this.provider = provider;
    this.current = first;
    this.nanoClock = nano;
    this.confirmedNanos = nano.getAsLong();
  }

  public SecretRef ref() {
    return ref;
  }

  @Override
  public Secret get() {
    return current;
  }

  /**
   * The value, if the secret store confirmed it within {@code maxAge}; otherwise null. For secrets
   * that <em>verify</em> callers (the admin token): one rotated out while its store cannot be read
   * must not stay valid forever, whereas a credential the gateway presents may well keep its last
   * value ({@link #get()}).
   */
  public Secret confirmedWithin(java.time.Duration maxAge) {
    return nanoClock.getAsLong() - confirmedNanos <= maxAge.toNanos() ? current : null;
  }

  /**
   * Fetches the value again; returns whether it changed. On failure the last good value stays and
   * the {@link IOException} propagates for the caller to report.
   */
  public boolean refresh() throws IOException {
    Secret next;
    try {
      next = provider.fetch(ref);
    } catch (IOException | RuntimeException e) {
      failures.incrementAndGet();
      throw e instanceof IOException io ? io : new IOException(e);
    }
    confirmedNanos = nanoClock.getAsLong();
    if (next.sameAs(current)) {
      return false;
    }
    current = next;
    changes.incrementAndGet();
    return true;
  }

  /** Refreshes that failed so far. */
  public long failures() {
    return failures.get();
  }

  /** Times a refresh found a new value. */
  public long changes() {
    return changes.get();
  }

  @Override
  public String toString() {
    return "secret " + ref + " = ***";
  }
}
