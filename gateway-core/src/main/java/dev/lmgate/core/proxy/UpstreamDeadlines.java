package dev.lmgate.core.proxy;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * How long LM Studio may take: to start answering once the request is sent (first byte), and
 * between two reads after that (idle). One timer per exchange, scheduled when the request is sent
 * and cancelled when the exchange ends: when it fires it checks the deadline that applies and
 * re-arms itself for what is left, so the hot path only stores a timestamp. Runs on the exchange's
 * event loop; not thread-safe.
 */
final class UpstreamDeadlines {
  private final EventExecutor loop;
  private final long firstByteNanos;
  private final long idleNanos;
  private final Consumer<String> expired; // told why, once, when a deadline passes

  private ScheduledFuture<?> timer;
  private long sentNanos;
  private long lastActivityNanos;
  private boolean waitingForFirstByte;

  UpstreamDeadlines(
      EventExecutor loop, Duration firstByte, Duration idle, Consumer<String> expired) {
    this.loop = loop;
    this.firstByteNanos = firstByte.toNanos();
    this.idleNanos = idle.toNanos();
    this.expired = expired;
  }

  /** The request is being written: what the first-byte latency is measured from. */
  void sending() {
    sentNanos = System.nanoTime();
  }

  /** The request went out: LM Studio has until the first-byte deadline to start answering. */
  void sent() {
    waitingForFirstByte = true;
    arm(Math.min(firstByteNanos, idleNanos));
  }

  /** LM Studio started answering; returns the time since the request was sent, in nanoseconds. */
  long firstByte() {
    waitingForFirstByte = false;
    lastActivityNanos = System.nanoTime();
    return lastActivityNanos - sentNanos;
  }

  /** LM Studio sent something: the idle deadline starts again (the running timer reads this). */
  void activity() {
    lastActivityNanos = System.nanoTime();
  }

  /** No deadline applies any more (the answer is complete, or the exchange ended). */
  void cancel() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  private void arm(long nanos) {
    cancel();
    timer = loop.schedule(this::fired, nanos, TimeUnit.NANOSECONDS);
  }

  private void fired() {
    timer = null;
    long now = System.nanoTime();
    if (waitingForFirstByte) {
      long left = firstByteNanos - (now - sentNanos);
      if (left > 0) {
        arm(Math.min(left, idleNanos));
        return;
      }
      expired.accept(
          "LM Studio did not start answering within "
              + TimeUnit.NANOSECONDS.toSeconds(firstByteNanos)
              + " s.");
      return;
    }
    long quiet = now - lastActivityNanos;
    if (quiet < idleNanos) {
      arm(idleNanos - quiet);
      return;
    }
    expired.accept(
        "LM Studio stopped sending for " + TimeUnit.NANOSECONDS.toSeconds(idleNanos) + " s.");
  }
}
