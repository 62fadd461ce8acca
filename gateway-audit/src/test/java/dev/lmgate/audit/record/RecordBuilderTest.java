package dev.lmgate.audit.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lmgate.audit.crypto.MasterKey;
import dev.lmgate.audit.crypto.PeriodKeys;
import dev.lmgate.spi.Conversation;
import dev.lmgate.spi.Dialect;
import dev.lmgate.spi.ExchangeSummary;
import dev.lmgate.spi.ExchangeSummary.Decision;
import dev.lmgate.spi.FilterOutcome;
import dev.lmgate.spi.Message;
import dev.lmgate.spi.Operation;
import dev.lmgate.spi.OutputChannel;
import dev.lmgate.spi.OutputText;
import dev.lmgate.spi.Principal;
import dev.lmgate.spi.Route;
import dev.lmgate.spi.TextPart;
import dev.lmgate.spi.TokenUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a record keeps of an exchange, in each payload mode, and how retention destroys it. */
class RecordBuilderTest {
  @TempDir Path dir;
  static final ObjectMapper JSON = new ObjectMapper();
  static final Instant T = Instant.parse("2026-11-25T10:00:00Z");
  static final Route CHAT = new Route("openai-chat", Dialect.OPENAI, Operation.CHAT);

  static ExchangeSummary summary(Decision d, Principal p) {
    Conversation c =
        new Conversation(
            "qwen/qwen3-4b",
            true,
            List.of(
                new Message(
                    "user",
                    List.of(new TextPart("/messages/0/content", "mail me at ann@example.org")),
                    List.of(),
                    null)),
            List.of(),
            List.of(),
            OptionalLong.empty(),
            "/max_tokens");
    return new ExchangeSummary(
        "req-1",
        T,
        CHAT,
        "POST",
        "/v1/chat/completions",
        "127.0.0.1:5000",
        200,
        d,
        List.of(
            new FilterOutcome(
                "authenticate",
                FilterOutcome.Phase.REQUEST,
                FilterOutcome.Outcome.PASS,
                "api_key",
                12_000),
            new FilterOutcome(
                "output-patterns",
                FilterOutcome.Phase.STREAM,
                FilterOutcome.Outcome.BLOCK,
                "launch-code",
                3_000)),
        true,
        5_000_000,
        p,
        "qwen/qwen3-4b",
        new TokenUsage(10, 4, false),
        c,
        List.of(new OutputText("0/content", OutputChannel.CONTENT, "", "The code is ")));
  }

  static Principal dev() {
    return new Principal(
        "key:abc",
        Principal.Kind.API_KEY,
        "abc",
        Set.of("developer"),
        Set.of(),
        List.of(),
        "",
        null);
  }

  MasterKey master() {
    byte[] k = new byte[32];
    k[0] = 7;
    return MasterKey.fromBase64(Base64.getEncoder().encodeToString(k));
  }

  @Test
  void anExchangeRecordNamesWhoWhatWhichFiltersAndTheDecision() throws Exception {
    ObjectNode r =
        new RecordBuilder(PayloadPolicy.of(PayloadMode.NONE), null, null)
            .exchange(summary(Decision.BLOCKED_RESPONSE, dev()));
    assertThat(r.path("kind").asText()).isEqualTo("exchange");
    assertThat(r.path("principal").asText()).isEqualTo("key:abc");
    assertThat(r.path("roles").get(0).asText()).isEqualTo("developer");
    assertThat(r.path("decision").asText()).isEqualTo("blocked_response");
    assertThat(r.path("class").asText()).isEqualTo("compliance");
    assertThat(r.path("filters").get(1).path("verdict").asText()).isEqualTo("block");
    assertThat(r.path("filters").get(1).path("phase").asText()).isEqualTo("stream");
    assertThat(r.path("filters").get(0).path("us").asLong()).isEqualTo(12);
    assertThat(r.path("usage").path("output").asLong()).isEqualTo(4);
    assertThat(r.path("latency_us").asLong()).isEqualTo(5000);
    assertThat(r.has("prompt")).isFalse();
    assertThat(r.toString()).doesNotContain("ann@example.org");
  }

  @Test
  void hashOnlyAndRedactedKeepProofOrMaskedText() throws Exception {
    ObjectNode h =
        new RecordBuilder(PayloadPolicy.of(PayloadMode.HASH_ONLY), null, null)
            .exchange(summary(Decision.FORWARDED, dev()));
    assertThat(h.path("prompt").path("sha256").asText()).hasSize(64);
    assertThat(h.toString()).doesNotContain("ann@example.org").doesNotContain("The code is");
    ObjectNode red =
        new RecordBuilder(
                PayloadPolicy.of(PayloadMode.REDACTED),
                null,
                t -> t.replace("ann@example.org", "[EMAIL]"))
            .exchange(summary(Decision.FORWARDED, dev()));
    assertThat(red.path("prompt").path("messages").get(0).path("text").asText())
        .isEqualTo("mail me at [EMAIL]");
    assertThat(red.path("response").path("outputs").get(0).path("text").asText())
        .isEqualTo("The code is ");
  }

  @Test
  void rulesChooseModeAndClassByRouteAndRole() throws Exception {
    PayloadPolicy p =
        new PayloadPolicy(
            PayloadMode.HASH_ONLY,
            List.of(
                new PayloadPolicy.Rule(
                    List.of("openai-*"), List.of("admin"), PayloadMode.NONE, "compliance"),
                new PayloadPolicy.Rule(List.of("*-chat"), List.of(), PayloadMode.REDACTED, null)));
    Principal admin =
        new Principal(
            "key:adm",
            Principal.Kind.API_KEY,
            "adm",
            Set.of("admin"),
            Set.of(),
            List.of(),
            "",
            null);
    assertThat(p.choose("openai-chat", admin, false))
        .isEqualTo(new PayloadPolicy.Choice(PayloadMode.NONE, "compliance"));
    assertThat(p.choose("openai-chat", dev(), false))
        .isEqualTo(new PayloadPolicy.Choice(PayloadMode.REDACTED, "operational"));
    assertThat(p.choose("openai-embeddings", dev(), true))
        .isEqualTo(new PayloadPolicy.Choice(PayloadMode.HASH_ONLY, "compliance"));
  }

  @Test
  void encryptedPayloadsOpenWithTheirContextOnlyAndRetentionShredsThem() throws Exception {
    PeriodKeys keys = new PeriodKeys(dir.resolve("keys"), master());
    ObjectNode r =
        new RecordBuilder(PayloadPolicy.of(PayloadMode.ENCRYPTED), keys, null)
            .exchange(summary(Decision.FORWARDED, dev()));
    assertThat(r.toString()).doesNotContain("ann@example.org");
    assertThat(r.path("prompt").path("key").asText()).isEqualTo("2026-11-25.operational");
    JsonNode prompt = JSON.readTree(keys.open("req-1/prompt", r.path("prompt")).orElseThrow());
    assertThat(prompt.path("messages").get(0).path("text").asText())
        .isEqualTo("mail me at ann@example.org");
    // Moved to another record or field, a ciphertext does not open.
    assertThatThrownBy(() -> keys.open("req-2/prompt", r.path("prompt")))
        .isInstanceOf(GeneralSecurityException.class);
    assertThatThrownBy(() -> keys.open("req-1/response", r.path("prompt")))
        .isInstanceOf(GeneralSecurityException.class);
    // A fresh instance (a restart) reads the wrapped key back with the master key...
    PeriodKeys again = new PeriodKeys(dir.resolve("keys"), master());
    assertThat(again.open("req-1/prompt", r.path("prompt"))).isPresent();
    // ...and not with another one.
    PeriodKeys wrongMaster =
        new PeriodKeys(
            dir.resolve("keys"),
            MasterKey.fromBase64(Base64.getEncoder().encodeToString(new byte[32])));
    assertThatThrownBy(() -> wrongMaster.open("req-1/prompt", r.path("prompt")))
        .isInstanceOf(GeneralSecurityException.class);

    Map<String, Duration> retention =
        Map.of("operational", Duration.ofDays(365), "compliance", Duration.ofDays(2555));
    assertThat(keys.shred(T.plus(Duration.ofDays(365)), retention))
        .isEmpty(); // the day has not aged out
    assertThat(keys.shred(T.plus(Duration.ofDays(366)), retention))
        .containsExactly("2026-11-25.operational");
    assertThat(Files.exists(dir.resolve("keys/2026-11-25.operational.key"))).isFalse();
    assertThat(keys.open("req-1/prompt", r.path("prompt"))).isEmpty();
    assertThat(again.open("req-1/response", r.path("response"))).isEmpty();
  }

  @Test
  void onlyTextAnswersUnderAPayloadModeAreCaptured() {
    PayloadPolicy p =
        new PayloadPolicy(
            PayloadMode.HASH_ONLY,
            List.of(new PayloadPolicy.Rule(List.of(), List.of("admin"), PayloadMode.NONE, null)));
    RecordBuilder b = new RecordBuilder(p, null, null);
    Principal admin =
        new Principal(
            "key:adm",
            Principal.Kind.API_KEY,
            "adm",
            Set.of("admin"),
            Set.of(),
            List.of(),
            "",
            null);
    assertThat(b.capturesAnswer(CHAT, dev())).isTrue();
    assertThat(b.capturesAnswer(CHAT, admin)).isFalse();
    assertThat(
            b.capturesAnswer(
                new Route("openai-embeddings", Dialect.OPENAI, Operation.EMBEDDINGS), dev()))
        .isFalse();
    assertThat(
            b.capturesAnswer(new Route("openai-models", Dialect.OPENAI, Operation.MODELS), dev()))
        .isFalse();
  }

  @Test
  void aRotatedMasterKeyStillOpensTheDayKeysItWrappedWhenListedAsPrevious() throws Exception {
    PeriodKeys before = new PeriodKeys(dir.resolve("keys"), master());
    ObjectNode r =
        new RecordBuilder(PayloadPolicy.of(PayloadMode.ENCRYPTED), before, null)
            .exchange(summary(Decision.FORWARDED, dev()));
    byte[] raw = new byte[32];
    raw[0] = 9;
    MasterKey next = MasterKey.fromBase64(Base64.getEncoder().encodeToString(raw));
    PeriodKeys onlyNew = new PeriodKeys(dir.resolve("keys"), next);
    assertThatThrownBy(() -> onlyNew.open("req-1/prompt", r.path("prompt")))
        .isInstanceOf(GeneralSecurityException.class);
    PeriodKeys rotated = new PeriodKeys(dir.resolve("keys"), next, List.of(master()));
    assertThat(rotated.open("req-1/prompt", r.path("prompt"))).isPresent();
  }

  @Test
  void securityEventsAreComplianceRecordsWithoutCredentials() {
    ObjectNode r =
        new RecordBuilder(PayloadPolicy.of(PayloadMode.NONE), null, null)
            .security(
                new dev.lmgate.spi.SecurityEvent(
                    T,
                    dev.lmgate.spi.SecurityEvent.Type.AUTHENTICATION_FAILED,
                    "unknown_key",
                    "req-9",
                    "",
                    "openai-chat",
                    "10.0.0.1:1",
                    ""));
    assertThat(r.path("type").asText()).isEqualTo("authentication_failed");
    assertThat(r.path("reason").asText()).isEqualTo("unknown_key");
    assertThat(r.path("class").asText()).isEqualTo("compliance");
    assertThat(r.has("principal")).isFalse();
  }

  @Test
  void aSelfDeclaredOperatorNameIsKeptApartFromThePrincipalAndMarkedUnverified() {
    RecordBuilder b = new RecordBuilder(PayloadPolicy.of(PayloadMode.NONE), null, null);
    ObjectNode r =
        b.security(
            new dev.lmgate.spi.SecurityEvent(
                T,
                dev.lmgate.spi.SecurityEvent.Type.ADMIN_ACTION,
                "called",
                "",
                "admin-token",
                "",
                "",
                "POST /incident/lockdown -> 200",
                "key:ceo"));
    assertThat(r.path("principal").asText()).isEqualTo("admin-token");
    assertThat(r.path("claimed_operator").path("name").asText()).isEqualTo("key:ceo");
    assertThat(r.path("claimed_operator").path("verified").isBoolean()).isTrue();
    assertThat(r.path("claimed_operator").path("verified").asBoolean()).isFalse();
    ObjectNode plain =
        b.security(
            new dev.lmgate.spi.SecurityEvent(
                T,
                dev.lmgate.spi.SecurityEvent.Type.ADMIN_ACTION,
                "called",
                "",
                "key:ops",
                "",
                "",
                "GET /keys -> 200"));
    assertThat(plain.has("claimed_operator")).isFalse();
  }
}
