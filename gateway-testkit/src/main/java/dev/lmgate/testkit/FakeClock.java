package dev.lmgate.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock tests move by hand, in UTC; safe to read from other threads. */
public final class FakeClock extends Clock {
  private volatile Instant now;

  public FakeClock(Instant start) {
    this.now = start;
  }

  /** A clock at an ISO-8601 instant, e.g. {@code 2026-01-10T12:00:00Z}. */
  public static FakeClock at(String instant) {
    return new FakeClock(Instant.parse(instant));
  }

  /** Moves the clock forward (or back, with a negative duration). */
  public void advance(Duration d) {
    now = now.plus(d);
  }

  public void set(Instant instant) {
    now = instant;
  }

  @Override
  public Instant instant() {
    return now;
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }
}
