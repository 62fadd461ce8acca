package dev.lmgate.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lmgate.audit.alert.AlertRules;
import dev.lmgate.audit.checkpoint.SigningKey;
import dev.lmgate.audit.crypto.MasterKey;
import dev.lmgate.audit.crypto.PeriodKeys;
import dev.lmgate.audit.export.JsonLinesSink;
import dev.lmgate.audit.log.LogReader;
import dev.lmgate.audit.log.LogSettings;
import dev.lmgate.audit.record.PayloadMode;
import dev.lmgate.audit.record.PayloadPolicy;
import dev.lmgate.audit.verify.AuditVerifier;
import dev.lmgate.spi.Conversation;
import dev.lmgate.spi.Dialect;
import dev.lmgate.spi.ExchangeSummary;
import dev.lmgate.spi.Message;
import dev.lmgate.spi.Operation;
import dev.lmgate.spi.Route;
import dev.lmgate.spi.TextPart;
import dev.lmgate.testkit.FakeClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trail over time: retention destroys payloads, never the chain; exports follow the log. */
class AuditTrailTest {
  @TempDir Path dir;
  final FakeClock clock = new FakeClock(Instant.parse("2026-01-10T12:00:00Z"));
  final SigningKey key = SigningKey.generate("lmgate.audit");

  AuditTrail open(MasterKey master, Path ecs) throws Exception {
    return AuditTrail.open(
        new AuditTrail.Config(
            LogSettings.defaults(dir),
            AuditTrail.Mode.STRICT,
            PayloadPolicy.of(PayloadMode.ENCRYPTED),
            Map.of("operational", Duration.ofDays(30), "compliance", Duration.ofDays(365)),
            master,
            dir.resolve("keys"),
            null,
            List.of(JsonLinesSink.file(ecs)),
            AlertRules.Settings.defaults(),
            null,
            List.of()),
        key,
        clock);
  }

  ExchangeSummary exchange(String id, ExchangeSummary.Decision d) {
    return new ExchangeSummary(
        id,
        clock.instant(),
        new Route("openai-chat", Dialect.OPENAI, Operation.CHAT),
        "POST",
        "/v1/chat/completions",
        "127.0.0.1:9",
        200,
        d,
        List.of(),
        false,
        1000,
        null,
        "m",
        null,
        new Conversation(
            "m",
            false,
            List.of(
                new Message(
                    "user", List.of(new TextPart("/x", "prompt of " + id)), List.of(), null)),
            List.of(),
            List.of(),
            OptionalLong.empty(),
            "/max_tokens"),
        List.of());
  }

  @Test
  void retentionDestroysOldPayloadsPerClassWhileTheLogStillVerifies() throws Exception {
    MasterKey master = MasterKey.fromBase64(Base64.getEncoder().encodeToString(new byte[32]));
    Path ecs = dir.resolve("ecs.jsonl");
    try (AuditTrail trail = open(master, ecs)) {
      // Today's and tomorrow's keys exist before any request needs one.
      assertThat(dir.resolve("keys/2026-01-10.operational.key")).exists();
      assertThat(dir.resolve("keys/2026-01-11.compliance.key")).exists();
      trail
          .record(exchange("old-ok", ExchangeSummary.Decision.FORWARDED))
          .toCompletableFuture()
          .get();
      trail
          .record(exchange("old-blocked", ExchangeSummary.Decision.BLOCKED_REQUEST))
          .toCompletableFuture()
          .get();
      clock.advance(Duration.ofDays(40));
      trail
          .record(exchange("new-ok", ExchangeSummary.Decision.FORWARDED))
          .toCompletableFuture()
          .get();
      trail.enforceRetention();
    }
    List<JsonNode> records =
        LogReader.read(dir.resolve("segments")).entries().stream()
            .map(LogReader.Entry::json)
            .toList();
    JsonNode retention = records.get(records.size() - 1);
    assertThat(retention.path("kind").asText()).isEqualTo("retention");
    assertThat(retention.path("keys_destroyed").get(0).asText())
        .isEqualTo("2026-01-10.operational");
    PeriodKeys keys = new PeriodKeys(dir.resolve("keys"), master);
    assertThat(keys.open("old-ok/prompt", records.get(0).path("prompt"))).isEmpty(); // shredded
    assertThat(keys.open("old-blocked/prompt", records.get(1).path("prompt")))
        .isPresent(); // 7-year class
    assertThat(keys.open("new-ok/prompt", records.get(2).path("prompt"))).isPresent();
    AuditVerifier.Report v =
        AuditVerifier.verify(dir.resolve("segments"), dir.resolve("checkpoints"), key.verifier());
    assertThat(v.problem()).isNull();
    assertThat(v.records()).isEqualTo(4);
    // The SIEM file got every record, ECS-shaped, without payloads.
    List<String> lines = Files.readAllLines(ecs);
    assertThat(lines).hasSize(4);
    assertThat(lines.get(0)).contains("\"event\":{\"kind\":\"event\"").doesNotContain("\"ct\"");
  }
}
