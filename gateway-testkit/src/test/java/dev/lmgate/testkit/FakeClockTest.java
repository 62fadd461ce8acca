package dev.lmgate.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The two ways tests move time: a clock that stands still, and the system clock shifted. */
class FakeClockTest {

  @Test
  void aClockAtAnInstantMovesOnlyWhenTold() {
    FakeClock c = FakeClock.at("2026-01-10T12:00:00Z");
    assertThat(c.instant()).isEqualTo(Instant.parse("2026-01-10T12:00:00Z"));
    c.advance(Duration.ofMinutes(5));
    c.advance(Duration.ofSeconds(-30));
    assertThat(c.instant()).isEqualTo(Instant.parse("2026-01-10T12:04:30Z"));
    c.set(Instant.parse("2027-01-01T00:00:00Z"));
    assertThat(c.instant())
        .as("set: stands at the instant, no offset left")
        .isEqualTo(Instant.parse("2027-01-01T00:00:00Z"));
  }

  @Test
  void theShiftedSystemClockRunsWithRealTimeAtTheOffsetSet() {
    FakeClock c = FakeClock.shiftedSystem();
    Instant before = Instant.now();
    c.shiftTo(Duration.ofHours(1));
    Instant read = c.instant();
    Instant after = Instant.now();
    assertThat(read).isBetween(before.plus(Duration.ofHours(1)), after.plus(Duration.ofHours(1)));
    c.shiftTo(Duration.ZERO);
    assertThat(c.instant())
        .as("shiftTo is absolute, not added")
        .isBefore(Instant.now().plusSeconds(60));
  }
}
