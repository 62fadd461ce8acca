package dev.lmgate.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lmgate.app.cli.KeysCommandTest.Run;
import dev.lmgate.app.config.AuditSettings;
import dev.lmgate.app.config.ConfigLoader;
import dev.lmgate.app.config.GatewayConfig;
import dev.lmgate.audit.AuditTrail;
import dev.lmgate.spi.Conversation;
import dev.lmgate.spi.Dialect;
import dev.lmgate.spi.ExchangeSummary;
import dev.lmgate.spi.Message;
import dev.lmgate.spi.Operation;
import dev.lmgate.spi.Route;
import dev.lmgate.spi.TextPart;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lmgate audit}: what an auditor runs against a log. */
class AuditCommandTest {
  @TempDir Path dir;
  static final ObjectMapper JSON = new ObjectMapper();

  Path writeLog(int n) throws Exception {
    ConfigLoader loader = new ConfigLoader(k -> null);
    GatewayConfig cfg =
        loader.parse(
            "audit:\n  dir: "
                + dir.resolve("log")
                + "\n  signing-key: "
                + dir.resolve("signing.key")
                + "\n  master-key: file:"
                + dir.resolve("master.key")
                + "\n  mode: strict\n");
    try (AuditTrail trail =
        cfg.audit().open(Clock.systemUTC(), k -> null, AuditSettings.SecretSource.NONE)) {
      for (int i = 0; i < n; i++) {
        Conversation c =
            new Conversation(
                "m",
                false,
                List.of(
                    new Message(
                        "user",
                        List.of(new TextPart("/x", "secret prompt " + i)),
                        List.of(),
                        null)),
                List.of(),
                List.of(),
                OptionalLong.empty(),
                "/max_tokens");
        trail
            .record(
                new ExchangeSummary(
                    "req-" + i,
                    Instant.now(),
                    new Route("openai-chat", Dialect.OPENAI, Operation.CHAT),
                    "POST",
                    "/v1/chat/completions",
                    "127.0.0.1:1",
                    200,
                    ExchangeSummary.Decision.FORWARDED,
                    List.of(),
                    false,
                    1000,
                    null,
                    "m",
                    null,
                    c,
                    List.of()))
            .toCompletableFuture()
            .get();
      }
    }
    return dir.resolve("log");
  }

  @Test
  void verifyShowExportProveAndCheckProof() throws Exception {
    Path log = writeLog(5);
    String key = dir.resolve("log/verifier.key").toString();
    Run ok = KeysCommandTest.lmgate("audit", "verify", log.toString(), "--key", key);
    assertThat(ok.code()).isZero();
    assertThat(ok.out()).startsWith("intact: 5 records, 1 signed checkpoints");

    Run sealed = KeysCommandTest.lmgate("audit", "show", log.toString(), "--request", "req-3");
    assertThat(sealed.code()).isZero();
    assertThat(sealed.out()).doesNotContain("secret prompt");
    Run opened =
        KeysCommandTest.lmgate(
            "audit",
            "show",
            log.toString(),
            "--request",
            "req-3",
            "--master-key",
            "file:" + dir.resolve("master.key"));
    JsonNode rec = JSON.readTree(opened.out().strip());
    assertThat(rec.path("prompt").path("messages").get(0).path("text").asText())
        .isEqualTo("secret prompt 3");

    Run ecs = KeysCommandTest.lmgate("audit", "export", log.toString(), "--from", "1", "--to", "2");
    assertThat(ecs.out().lines()).hasSize(2);
    assertThat(
            JSON.readTree(ecs.out().lines().findFirst().orElseThrow())
                .path("event")
                .path("id")
                .asText())
        .isEqualTo("req-1");

    Run proof = KeysCommandTest.lmgate("audit", "prove", log.toString(), "req-2");
    assertThat(proof.code()).isZero();
    Path proofFile = dir.resolve("proof.json");
    Files.writeString(proofFile, proof.out());
    Run checked =
        KeysCommandTest.lmgate("audit", "check-proof", proofFile.toString(), "--key", key);
    assertThat(checked.code()).isZero();
    assertThat(checked.out()).startsWith("valid: record 2 is in the signed log of 5 records");

    ObjectNode forged = (ObjectNode) JSON.readTree(proof.out());
    forged.put("record", forged.get("record").asText().replace("\"status\":200", "\"status\":403"));
    Files.writeString(proofFile, forged.toString());
    Run refused =
        KeysCommandTest.lmgate("audit", "check-proof", proofFile.toString(), "--key", key);
    assertThat(refused.code()).isEqualTo(1);
    assertThat(refused.out()).startsWith("INVALID: ");
  }

  @Test
  void consistencyProofsBetweenCheckpointsHoldAndForgedOnesDoNot() throws Exception {
    writeLog(3); // closing signs a checkpoint of 3
    Path log = writeLog(4); // reopened, 4 more: a checkpoint of 7
    String key = log.resolve("verifier.key").toString();
    Run proof = KeysCommandTest.lmgate("audit", "consistency", log.toString());
    assertThat(proof.code()).isZero();
    Path file = dir.resolve("consistency.json");
    Files.writeString(file, proof.out());
    Run checked = KeysCommandTest.lmgate("audit", "check-proof", file.toString(), "--key", key);
    assertThat(checked.out())
        .startsWith("valid: the signed log of 7 records extends the signed log of 3");
    ObjectNode forged = (ObjectNode) JSON.readTree(proof.out());
    forged.withArray("path").set(0, JSON.getNodeFactory().textNode("11".repeat(32)));
    Files.writeString(file, forged.toString());
    Run refused = KeysCommandTest.lmgate("audit", "check-proof", file.toString(), "--key", key);
    assertThat(refused.code()).isEqualTo(1);
    assertThat(refused.out()).contains("does not extend");
  }

  @Test
  void verifyNamesTheFirstBadRecordAndExitsOne() throws Exception {
    Path log = writeLog(4);
    Path seg = Files.list(log.resolve("segments")).findFirst().orElseThrow();
    List<String> lines = Files.readAllLines(seg);
    lines.set(2, lines.get(2).replace("\"status\":200", "\"status\":201"));
    Files.write(seg, lines);
    Run bad =
        KeysCommandTest.lmgate(
            "audit", "verify", log.toString(), "--key", log.resolve("verifier.key").toString());
    assertThat(bad.code()).isEqualTo(1);
    assertThat(bad.out())
        .startsWith("TAMPERED: seg-000000000000.jsonl line 4 (record 3): prev does not match");
    Run missing = KeysCommandTest.lmgate("audit", "verify", dir.resolve("nothing").toString());
    assertThat(missing.code()).isEqualTo(2);
  }
}
