package dev.lmgate.filters.sensitive;

import static dev.lmgate.filters.TestConversations.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lmgate.filters.RecordingEvents;
import dev.lmgate.spi.ConfigException;
import dev.lmgate.spi.FilterEnvironment;
import dev.lmgate.spi.FilterSettings;
import dev.lmgate.spi.Verdict;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Per type: a credential blocks, personal data is masked or noted, and nothing leaks back. */
class SensitiveDataFilterTest {
  static final String KEY =
      "sk-proj-" + "Zq4nT8wXv2LmR6yB1cK9pH3sJ7dF5gA0eU2iO4tY6rW8qE1zX3cV5bN7mM9lK";

  static SensitiveDataFilter filter(String yaml) throws Exception {
    FilterSettings.Action action = FilterSettings.Action.BLOCK;
    return (SensitiveDataFilter)
        new SensitiveDataFilter.Factory()
            .create(
                "filters[0]",
                new ObjectMapper().readTree(yaml),
                FilterSettings.defaults(action),
                FilterEnvironment.of(Clock.systemUTC(), new RecordingEvents()));
  }

  @Test
  void aCredentialBlocksTheRequestAndTheErrorNamesTheTypeNotTheValue() throws Exception {
    Verdict v = filter("{\"types\":{\"secrets\":\"block\"}}").decide(user("my key is " + KEY));
    assertThat(v.kind()).isEqualTo(Verdict.Kind.BLOCK);
    assertThat(v.rejection().code()).isEqualTo("sensitive_data_detected");
    assertThat(v.rejection().message()).contains("OPENAI_API_KEY").doesNotContain(KEY);
    assertThat(v.reason()).doesNotContain(KEY);
    assertThat(v.rejection().param()).isEqualTo("messages[0]");
  }

  @Test
  void aCredentialInTheArgumentsOfAReplayedToolCallIsFoundToo() throws Exception {
    dev.lmgate.spi.Message replayed =
        new dev.lmgate.spi.Message(
            "assistant",
            List.of(),
            List.of(
                new dev.lmgate.spi.ToolCall(
                    "c1",
                    "deploy",
                    new dev.lmgate.spi.TextPart(
                        "/messages/0/tool_calls/0/function/arguments",
                        "{\"token\":\"" + KEY + "\"}"))),
            "");
    dev.lmgate.spi.Conversation c =
        new dev.lmgate.spi.Conversation(
            "m",
            false,
            List.of(replayed),
            List.of(),
            List.of(),
            java.util.OptionalLong.empty(),
            "");
    Verdict v = filter("{\"types\":{\"secrets\":\"block\"}}").decide(c);
    assertThat(v.kind()).isEqualTo(Verdict.Kind.BLOCK);
    assertThat(v.rejection().param()).isEqualTo("messages[0].tool_calls[0]");
    // where the dialect gives the arguments no place to write a mask back, masking refuses
    dev.lmgate.spi.Message anthropicToolUse =
        new dev.lmgate.spi.Message(
            "assistant",
            List.of(),
            List.of(
                new dev.lmgate.spi.ToolCall(
                    "t1", "mail", new dev.lmgate.spi.TextPart("", "{\"to\":\"ann@example.org\"}"))),
            "");
    Verdict masked =
        filter("{\"types\":{\"personal\":\"redact\"}}")
            .decide(
                new dev.lmgate.spi.Conversation(
                    "m",
                    false,
                    List.of(anthropicToolUse),
                    List.of(),
                    List.of(),
                    java.util.OptionalLong.empty(),
                    ""));
    assertThat(masked.kind()).isEqualTo(Verdict.Kind.BLOCK);
  }

  @Test
  void personalDataIsMaskedInPlaceWhereTheConfigSaysRedact() throws Exception {
    Verdict v =
        filter("{\"types\":{\"personal\":\"redact\"}}")
            .decide(
                user(
                    "Mail ann@example.org or call +44 20 7946 0332 about card 4111 1111 1111 1111."));
    assertThat(v.kind()).isEqualTo(Verdict.Kind.MODIFY);
    assertThat(v.edits()).hasSize(1);
    assertThat(v.edits().get(0).pointer()).isEqualTo("/messages/0/content");
    assertThat(v.edits().get(0).value().asText())
        .isEqualTo("Mail [EMAIL] or call [PHONE] about card [CARD].");
  }

  @Test
  void othersCoversTypesNotListedAndANamedTypeBeatsItsGroup() throws Exception {
    SensitiveDataFilter f =
        filter("{\"types\":{\"EMAIL_ADDRESS\":\"allow\",\"personal\":\"block\"}}");
    assertThat(f.decide(user("write to ann@example.org")).kind()).isEqualTo(Verdict.Kind.PASS);
    assertThat(f.decide(user("call 555-010-0199 now")).kind()).isEqualTo(Verdict.Kind.BLOCK);
    assertThat(filter("{}").decide(user("ann@example.org")).kind()).isEqualTo(Verdict.Kind.ALERT);
    assertThat(filter("{\"others\":\"block\"}").decide(user("ann@example.org")).kind())
        .isEqualTo(Verdict.Kind.BLOCK);
    assertThat(filter("{}").decide(user("order 8042898551103378 shipped")).kind())
        .as("a number failing Luhn is not a card")
        .isEqualTo(Verdict.Kind.PASS);
  }

  @Test
  void pseudonymsAreStableWithinASessionAndRestorableUntilTheyExpire() throws Exception {
    SensitiveDataFilter f = filter("{\"types\":{\"personal\":\"pseudonymize\"}}");
    Verdict first =
        f.decide(
            user("Mail ann@example.org and bob@example.org, then ann@example.org again."), "s1");
    assertThat(first.edits().get(0).value().asText())
        .isEqualTo("Mail [EMAIL_1] and [EMAIL_2], then [EMAIL_1] again.");
    Verdict later = f.decide(user("What did bob@example.org say?"), "s1");
    assertThat(later.edits().get(0).value().asText()).isEqualTo("What did [EMAIL_2] say?");
    Verdict other = f.decide(user("What did bob@example.org say?"), "s2");
    assertThat(other.edits().get(0).value().asText())
        .as("another session numbers its own")
        .isEqualTo("What did [EMAIL_1] say?");
  }

  @Test
  void theVaultKeepsValuesEncryptedAndForgetsIdleSessions() {
    dev.lmgate.filters.MutableClock clock =
        new dev.lmgate.filters.MutableClock(java.time.Instant.parse("2026-11-26T10:00:00Z"));
    PseudonymVault v = new PseudonymVault(java.time.Duration.ofMinutes(30), clock);
    assertThat(v.pseudonym("s", "EMAIL", "ann@example.org")).isEqualTo("[EMAIL_1]");
    assertThat(v.reveal("s", "[EMAIL_1]")).contains("ann@example.org");
    assertThat(v.reveal("other", "[EMAIL_1]")).isEmpty();
    clock.advance(java.time.Duration.ofMinutes(31));
    assertThat(v.reveal("s", "[EMAIL_1]")).isEmpty();
    v.expire();
    assertThat(v.sessions()).isZero();
  }

  @Test
  void answersAreMaskedAndPseudonymsRestoredButNotIntoToolArguments() throws Exception {
    SensitiveDataFilter f =
        filter(
            "{\"types\":{\"EMAIL_ADDRESS\":\"pseudonymize\"},"
                + "\"output\":{\"types\":{\"PHONE_NUMBER\":\"redact\"}}}");
    dev.lmgate.filters.TestRequest req =
        new dev.lmgate.filters.TestRequest()
            .json("{\"model\":\"m\",\"messages\":[]}", user("x"))
            .header("x-lmgate-session", "s9");
    String session = SensitiveDataFilter.session(req, "x-lmgate-session");
    f.decide(user("write to ann@example.org"), session); // places [EMAIL_1]
    assertThat(f.inspectsResponse(req)).isTrue();
    dev.lmgate.spi.ResponseView answer =
        response(
            req,
            new dev.lmgate.spi.OutputText(
                "0",
                dev.lmgate.spi.OutputChannel.CONTENT,
                "/choices/0/message/content",
                "Done: wrote [EMAIL_1], call +44 20 7946 0123."),
            new dev.lmgate.spi.OutputText(
                "0.t0",
                dev.lmgate.spi.OutputChannel.TOOL_ARGUMENTS,
                "/choices/0/message/tool_calls/0/function/arguments",
                "{\"to\":\"[EMAIL_1]\"}"));
    Verdict v = f.onResponse(answer).toCompletableFuture().join();
    assertThat(v.kind()).isEqualTo(Verdict.Kind.MODIFY);
    assertThat(v.edits()).hasSize(1);
    assertThat(v.edits().get(0).value().asText())
        .isEqualTo("Done: wrote ann@example.org, call [PHONE].");
  }

  static dev.lmgate.spi.ResponseView response(
      dev.lmgate.spi.RequestView r, dev.lmgate.spi.OutputText... outputs) {
    return new dev.lmgate.spi.ResponseView() {
      @Override
      public dev.lmgate.spi.RequestView request() {
        return r;
      }

      @Override
      public int status() {
        return 200;
      }

      @Override
      public java.util.Optional<com.fasterxml.jackson.databind.JsonNode> json() {
        return java.util.Optional.empty();
      }

      @Override
      public List<dev.lmgate.spi.OutputText> outputs() {
        return List.of(outputs);
      }
    };
  }

  @Test
  void unknownTypesAndHandlingsAreConfigErrors() {
    assertThatThrownBy(() -> filter("{\"types\":{\"PASSPORT\":\"block\"}}"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(
            "filters[0].types.PASSPORT: PASSPORT (expected: secrets, personal or one of");
    assertThatThrownBy(() -> filter("{\"types\":{\"secrets\":\"shred\"}}"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("block, redact, pseudonymize, alert or allow");
  }
}
