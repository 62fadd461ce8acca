package dev.lmgate.testkit;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Waits for an outcome that another thread or process brings about (a watcher thread re-reading a
 * file, a connection closing on the other side). It polls with a deadline: it asserts that the
 * outcome happens within a bound, it does not time behaviour.
 */
public final class Eventually {
  private Eventually() {}

  /** Whether the condition held within {@code limit}, checking every 20 ms. */
  public static boolean within(Duration limit, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() >= deadline) {
        return false;
      }
      Thread.sleep(20);
    }
    return true;
  }
}
