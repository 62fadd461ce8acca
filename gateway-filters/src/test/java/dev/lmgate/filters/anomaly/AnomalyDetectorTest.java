package dev.lmgate.filters.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lmgate.filters.incident.IncidentState;
import dev.lmgate.spi.ExchangeSummary;
import dev.lmgate.spi.FilterOutcome;
import dev.lmgate.spi.Principal;
import dev.lmgate.spi.SecurityEvent;
import dev.lmgate.spi.TokenUsage;
import dev.lmgate.testkit.FakeClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class AnomalyDetectorTest {
  final FakeClock clock = new FakeClock(Instant.parse("2026-11-26T10:00:00Z"));
  final List<SecurityEvent> events = new CopyOnWriteArrayList<>();
  final IncidentState incidents = new IncidentState(clock, events::add);
  static final Principal ALICE =
      new Principal(
          "key:alice1",
          Principal.Kind.API_KEY,
          "alice",
          Set.of("developer"),
          Set.of(),
          List.of(),
          "",
          null);

  AnomalyDetector detector(int blocked, int auth, double factor, int learn, Duration suspend) {
    return new AnomalyDetector(
        new AnomalyDetector.Settings(
            Duration.ofMinutes(1), blocked, auth, factor, 1000, learn, suspend),
        clock,
        events::add,
        incidents);
  }

  static ExchangeSummary exchange(
      ExchangeSummary.Decision d, String model, long tokens, String blockedBy) {
    return new ExchangeSummary(
        "r",
        Instant.EPOCH,
        null,
        "POST",
        "/v1/chat/completions",
        "10.0.0.7:5000",
        d == ExchangeSummary.Decision.FORWARDED ? 200 : 400,
        d,
        blockedBy == null
            ? List.of()
            : List.of(
                new FilterOutcome(
                    blockedBy, FilterOutcome.Phase.REQUEST, FilterOutcome.Outcome.BLOCK, "x", 0)),
        false,
        0,
        ALICE,
        model,
        new TokenUsage(tokens / 2, tokens - tokens / 2, false));
  }

  List<String> anomalies() {
    return events.stream()
        .filter(e -> e.type() == SecurityEvent.Type.ANOMALY)
        .map(SecurityEvent::reason)
        .toList();
  }

  @Test
  void aBurstOfBlockedRequestsAlertsOncePerWindowAndSuspendsTheKeyForAWhile() {
    AnomalyDetector d = detector(3, 0, 0, 0, Duration.ofMinutes(15));
    for (int i = 0; i < 3; i++) {
      d.exchange(exchange(ExchangeSummary.Decision.BLOCKED_REQUEST, "m", 0, "prompt-injection"));
    }
    assertThat(anomalies()).isEmpty();
    d.exchange(exchange(ExchangeSummary.Decision.BLOCKED_REQUEST, "m", 0, "prompt-injection"));
    assertThat(anomalies()).containsExactly("blocked_burst");
    assertThat(incidents.killed(IncidentState.Kind.KEY)).containsExactly("alice1");
    d.exchange(exchange(ExchangeSummary.Decision.BLOCKED_REQUEST, "m", 0, "kill-switch"));
    d.exchange(exchange(ExchangeSummary.Decision.BLOCKED_REQUEST, "m", 0, "prompt-injection"));
    assertThat(anomalies()).as("once per window").hasSize(1);

    clock.advance(Duration.ofMinutes(16));
    assertThat(incidents.killed(IncidentState.Kind.KEY)).as("the suspension ran out").isEmpty();
    assertThat(events)
        .filteredOn(e -> e.type() == SecurityEvent.Type.INCIDENT_CONTROL)
        .extracting(SecurityEvent::reason, SecurityEvent::principalId)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("killed", "anomaly-detection"),
            org.assertj.core.groups.Tuple.tuple("revived", "expiry"));
  }

  @Test
  void spreadOutBlocksAndForwardedRequestsDoNotAlert() {
    AnomalyDetector d = detector(3, 0, 0, 0, Duration.ZERO);
    for (int i = 0; i < 10; i++) {
      d.exchange(exchange(ExchangeSummary.Decision.BLOCKED_REQUEST, "m", 0, "sanitize"));
      d.exchange(exchange(ExchangeSummary.Decision.FORWARDED, "m", 100, null));
      clock.advance(Duration.ofSeconds(30));
    }
    assertThat(anomalies()).isEmpty();
  }

  @Test
  void failedLoginsAgainstOneKeyOrFromOneAddressAlertWithoutSuspending() {
    AnomalyDetector d = detector(0, 3, 0, 0, Duration.ofMinutes(15));
    for (int i = 0; i < 4; i++) {
      d.emit(
          new SecurityEvent(
              clock.instant(),
              SecurityEvent.Type.AUTHENTICATION_FAILED,
              "wrong_secret",
              "r",
              "",
              "openai-chat",
              "203.0.113.9:" + (40000 + i),
              "claimed key:alice1"));
    }
    for (int i = 0; i < 4; i++) {
      d.emit(
          new SecurityEvent(
              clock.instant(),
              SecurityEvent.Type.AUTHENTICATION_FAILED,
              "missing_credential",
              "r",
              "",
              "openai-chat",
              "198.51.100.4:" + (50000 + i),
              ""));
    }
    assertThat(events)
        .filteredOn(e -> e.type() == SecurityEvent.Type.ANOMALY)
        .extracting(SecurityEvent::principalId, SecurityEvent::clientAddress)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("key:alice1", ""),
            org.assertj.core.groups.Tuple.tuple("", "198.51.100.4"));
    assertThat(incidents.killed(IncidentState.Kind.KEY)).isEmpty();
  }

  @Test
  void aTokenSpikeOverTheUsualAmountAlertsAndSuspends() {
    AnomalyDetector d = detector(0, 0, 5, 0, Duration.ofMinutes(10));
    for (int w = 0; w < 5; w++) { // five quiet minutes: ~2,000 tokens each
      for (int i = 0; i < 4; i++) {
        d.exchange(exchange(ExchangeSummary.Decision.FORWARDED, "m", 500, null));
        clock.advance(Duration.ofSeconds(15));
      }
    }
    assertThat(anomalies()).isEmpty();
    for (int i = 0; i < 25; i++) { // then 25,000 tokens within a minute
      d.exchange(exchange(ExchangeSummary.Decision.FORWARDED, "m", 1000, null));
      clock.advance(Duration.ofSeconds(1));
    }
    assertThat(anomalies()).containsExactly("token_spike");
    assertThat(events)
        .filteredOn(e -> e.type() == SecurityEvent.Type.ANOMALY)
        .singleElement()
        .satisfies(
            e -> assertThat(e.detail()).contains("usually about 2000").contains("suspended"));
    assertThat(incidents.killed(IncidentState.Kind.KEY)).containsExactly("alice1");
  }

  @Test
  void aModelTheCallerNeverUsedIsUnusualOnlyAfterTheLearningRequests() {
    AnomalyDetector d = detector(0, 0, 0, 5, Duration.ofMinutes(10));
    d.exchange(exchange(ExchangeSummary.Decision.FORWARDED, "qwen/a", 10, null));
    d.exchange(exchange(ExchangeSummary.Decision.FORWARDED, "qwen/b", 10, null)); // still learning
    for (int i = 0; i < 5; i++) {
      d.exchange(exchange(ExchangeSummary.Decision.FORWARDED, "qwen/a", 10, null));
    }
    d.exchange(exchange(ExchangeSummary.Decision.FORWARDED, "mistral/devstral", 10, null));
    d.exchange(exchange(ExchangeSummary.Decision.FORWARDED, "mistral/devstral", 10, null));
    assertThat(anomalies()).containsExactly("unusual_model");
    assertThat(incidents.killed(IncidentState.Kind.KEY)).as("new models only alert").isEmpty();
  }
}
