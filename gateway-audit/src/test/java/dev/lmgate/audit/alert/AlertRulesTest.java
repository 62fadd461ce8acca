package dev.lmgate.audit.alert;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lmgate.testkit.FakeClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AlertRulesTest {
  static final ObjectMapper JSON = new ObjectMapper();

  final List<Alert> raised = new ArrayList<>();
  final FakeClock clock = new FakeClock(Instant.parse("2026-11-25T10:00:00Z"));
  final AlertRules rules =
      new AlertRules(
          new AlertRules.Settings(3, 2, List.of("injection"), Duration.ofMinutes(1)),
          raised::add,
          clock);

  static JsonNode blocked(String filter) throws Exception {
    return JSON.readTree(
        "{\"kind\":\"exchange\",\"decision\":\"blocked_request\",\"filters\":[{\"id\":\"authenticate\",\"verdict\":\"pass\"},{\"id\":\""
            + filter
            + "\",\"verdict\":\"block\"}]}");
  }

  @Test
  void blocksByTheChosenFiltersAlertOncePerWindow() throws Exception {
    rules.record(blocked("rate-limit"));
    rules.record(blocked("rate-limit"));
    assertThat(raised).isEmpty(); // not an injection filter
    rules.record(blocked("injection"));
    clock.advance(java.time.Duration.ofSeconds(61));
    rules.record(blocked("injection")); // the first fell out of the window
    assertThat(raised).isEmpty();
    rules.record(blocked("injection"));
    assertThat(raised).extracting(Alert::name).containsExactly("blocked_burst");
    rules.record(blocked("injection"));
    rules.record(blocked("injection"));
    assertThat(raised).hasSize(1); // quiet for a window
    clock.advance(java.time.Duration.ofSeconds(61));
    rules.record(blocked("injection"));
    rules.record(blocked("injection"));
    assertThat(raised).hasSize(2);
  }

  @Test
  void logHealthAlertsAreCriticalAndRateLimited() {
    rules.writeFailed("No space left on device");
    rules.writeFailed("No space left on device");
    rules.dropped(10);
    rules.tampered("seq is 4, expected 3");
    assertThat(raised)
        .extracting(Alert::name)
        .containsExactly("audit_write_failed", "audit_records_dropped", "audit_tampered");
    assertThat(raised).allSatisfy(a -> assertThat(a.severity()).isEqualTo("critical"));
    assertThat(raised.get(0).summary()).contains("No space left on device");
  }

  @Test
  void authenticationFailuresBurstAndSuccessesDoNot() throws Exception {
    // a success is part of its exchange's record: authenticated calls between the failures
    JsonNode ok =
        JSON.readTree(
            "{\"kind\":\"exchange\",\"status\":200,\"principal\":\"key:k1\",\"client\":\"10.0.0.9\"}");
    JsonNode bad = JSON.readTree("{\"kind\":\"security\",\"type\":\"authentication_failed\"}");
    for (int i = 0; i < 10; i++) {
      rules.record(ok);
    }
    rules.record(bad);
    rules.record(bad);
    assertThat(raised).isEmpty();
    rules.record(bad);
    assertThat(raised).extracting(Alert::name).containsExactly("auth_failure_burst");
    assertThat(raised.get(0).summary()).startsWith("3 authentication failures");
  }

  @Test
  void anUnreadableKeyStoreWarnsAndFailingClosedIsItsOwnCriticalAlert() throws Exception {
    rules.record(
        JSON.readTree(
            "{\"kind\":\"security\",\"type\":\"secret_refresh_failed\","
                + "\"reason\":\"key_store_unreadable\",\"detail\":\"keys.json garbled\"}"));
    rules.record(
        JSON.readTree(
            "{\"kind\":\"security\",\"type\":\"secret_refresh_failed\","
                + "\"reason\":\"key_store_failed_closed\",\"detail\":\"since 10:00\"}"));
    rules.record(
        JSON.readTree(
            "{\"kind\":\"security\",\"type\":\"credential_changed\","
                + "\"reason\":\"key_store_readable\",\"detail\":\"again\"}"));
    assertThat(raised)
        .extracting(Alert::name, Alert::severity)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("secret_refresh_failed", "warning"),
            org.assertj.core.groups.Tuple.tuple("key_store_failed_closed", "critical"));
  }

  @Test
  void aModelFailingItsIntegrityCheckIsACriticalAlertAndItsRecoveryIsNot() throws Exception {
    rules.record(
        JSON.readTree(
            "{\"kind\":\"security\",\"type\":\"model_integrity\",\"reason\":\"recovered\"}"));
    assertThat(raised).isEmpty();
    rules.record(
        JSON.readTree(
            "{\"kind\":\"security\",\"type\":\"model_integrity\",\"reason\":\"mismatch\","
                + "\"detail\":\"model qwen/qwen3-4b-2507: q4.gguf: SHA-256 differs\"}"));
    assertThat(raised)
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.name()).isEqualTo("model_integrity_failed");
              assertThat(a.severity()).isEqualTo("critical");
              assertThat(a.summary()).contains("qwen/qwen3-4b-2507");
            });
  }

  @Test
  void anomaliesAlertAndASuspensionIsCritical() throws Exception {
    rules.record(
        JSON.readTree(
            "{\"kind\":\"security\",\"type\":\"anomaly\",\"reason\":\"unusual_model\","
                + "\"principal\":\"key:alice1\",\"detail\":\"first use of model m\"}"));
    rules.record(
        JSON.readTree(
            "{\"kind\":\"security\",\"type\":\"anomaly\",\"reason\":\"token_spike\","
                + "\"principal\":\"key:alice1\",\"detail\":\"25000 tokens; suspended for 10 min\"}"));
    assertThat(raised)
        .extracting(Alert::name, Alert::severity)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("anomaly_unusual_model", "warning"),
            org.assertj.core.groups.Tuple.tuple("anomaly_token_spike", "critical"));
    assertThat(raised.get(1).summary()).startsWith("key:alice1: 25000 tokens");
  }
}
