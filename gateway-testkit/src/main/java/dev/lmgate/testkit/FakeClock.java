package dev.lmgate.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock tests move by hand, in UTC; safe to read from other threads. It stands still at an
 * instant ({@link #at}), or runs with the system clock at an offset the test sets ({@link
 * #shiftedSystem}: for artefacts that other code stamps with the real time, such as tokens an
 * identity provider issues).
 */
public final class FakeClock extends Clock {
  /**
   * What the clock reads: the base clock's instant plus the offset (one field: read atomically).
   */
  private record Reading(Clock base, Duration offset) {
    Instant instant() {
      return base.instant().plus(offset);
    }
  }

  private volatile Reading reading;

  public FakeClock(Instant start) {
    this.reading = new Reading(Clock.fixed(start, ZoneOffset.UTC), Duration.ZERO);
  }

  /** A clock at an ISO-8601 instant, e.g. {@code 2026-01-10T12:00:00Z}. */
  public static FakeClock at(String instant) {
    return new FakeClock(Instant.parse(instant));
  }

  /** The system clock, not shifted until {@link #shiftTo} says so. */
  public static FakeClock shiftedSystem() {
    FakeClock c = new FakeClock(Instant.EPOCH);
    c.reading = new Reading(Clock.systemUTC(), Duration.ZERO);
    return c;
  }

  /** Moves the clock forward (or back, with a negative duration). */
  public synchronized void advance(Duration d) {
    reading = new Reading(reading.base(), reading.offset().plus(d));
  }

  /** Sets how far the clock reads from its base (the system clock, or the instant it stood at). */
  public synchronized void shiftTo(Duration offset) {
    reading = new Reading(reading.base(), offset);
  }

  /** Stops the clock at {@code instant}. */
  public synchronized void set(Instant instant) {
    reading = new Reading(Clock.fixed(instant, ZoneOffset.UTC), Duration.ZERO);
  }

  @Override
  public Instant instant() {
    return reading.instant();
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
