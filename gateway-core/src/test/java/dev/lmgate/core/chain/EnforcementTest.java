package dev.lmgate.core.chain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lmgate.spi.FilterOutcome.Outcome;
import dev.lmgate.spi.FilterSettings;
import dev.lmgate.spi.FilterSettings.Action;
import dev.lmgate.spi.FilterSettings.OnError;
import dev.lmgate.spi.Verdict.Kind;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** The one place where shadow mode and on-error apply, for every phase. */
class EnforcementTest {
  static FilterSettings settings(Action action, OnError onError) {
    return new FilterSettings(action, Duration.ofSeconds(1), onError);
  }

  @Test
  void enforcingFiltersChangeAndStopShadowFiltersOnlyRecord() {
    FilterSettings enforcing = settings(Action.BLOCK, OnError.FAIL_CLOSED);
    FilterSettings shadow = settings(Action.ALERT, OnError.FAIL_CLOSED);
    assertThat(Enforcement.of(enforcing, Kind.BLOCK, "r"))
        .isEqualTo(new Enforcement.Result(Outcome.BLOCK, Enforcement.Effect.STOP, "r"));
    assertThat(Enforcement.of(enforcing, Kind.MODIFY, "r"))
        .isEqualTo(new Enforcement.Result(Outcome.MODIFY, Enforcement.Effect.CHANGE, "r"));
    assertThat(
            Enforcement.of(settings(Action.REDACT, OnError.FAIL_OPEN), Kind.MODIFY, "r").changes())
        .isTrue();
    for (Kind k : new Kind[] {Kind.BLOCK, Kind.MODIFY, Kind.ALERT}) {
      assertThat(Enforcement.of(shadow, k, "r"))
          .as("%s in shadow mode", k)
          .isEqualTo(new Enforcement.Result(Outcome.ALERT, Enforcement.Effect.PASS, "r"));
    }
    assertThat(Enforcement.of(shadow, Kind.PASS, "").outcome()).isEqualTo(Outcome.PASS);
  }

  @Test
  void failuresFollowOnErrorAndSayWhatFailed() {
    Throwable timeout = new CompletionException(new TimeoutException());
    assertThat(Enforcement.failed(settings(Action.BLOCK, OnError.FAIL_CLOSED), timeout))
        .isEqualTo(
            new Enforcement.Result(Outcome.ERROR_BLOCKED, Enforcement.Effect.STOP, "timeout"));
    assertThat(
            Enforcement.failed(settings(Action.ALERT, OnError.FAIL_OPEN), new StackOverflowError()))
        .as("shadow mode does not turn a failure into a pass: on-error decides")
        .isEqualTo(
            new Enforcement.Result(
                Outcome.ERROR_SKIPPED, Enforcement.Effect.PASS, "StackOverflowError"));
  }
}
