package dev.lmgate.filters.sensitive;

import static dev.lmgate.filters.TestConversations.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lmgate.filters.RecordingEvents;
import dev.lmgate.spi.ConfigException;
import dev.lmgate.spi.Edit;
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
    assertThat(v.edits().stream().map(Edit.Replace.class::cast).toList()).hasSize(1);
    assertThat(v.edits().stream().map(Edit.Replace.class::cast).toList().get(0).pointer())
        .isEqualTo("/messages/0/content");
    assertThat(v.edits().stream().map(Edit.Replace.class::cast).toList().get(0).value().asText())
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

  static final java.util.regex.Pattern PLACEHOLDER =
      java.util.regex.Pattern.compile("\\[EMAIL_[a-z2-7]{12}]");

  static List<String> placeholders(String text) {
    return PLACEHOLDER.matcher(text).results().map(java.util.regex.MatchResult::group).toList();
  }

  @Test
  void pseudonymsAreStableWithinAnExchangeAndUnguessableAcrossExchanges() throws Exception {
    SensitiveDataFilter f = filter("{\"types\":{\"personal\":\"pseudonymize\"}}");
    String first =
        f
            .decide(
                user("Mail ann@example.org and bob@example.org, then ann@example.org again."), "s1")
            .edits()
            .stream()
            .map(Edit.Replace.class::cast)
            .toList()
            .get(0)
            .value()
            .asText();
    List<String> p = placeholders(first);
    assertThat(p).hasSize(3);
    assertThat(first)
        .isEqualTo("Mail " + p.get(0) + " and " + p.get(1) + ", then " + p.get(0) + " again.");
    assertThat(p.get(0)).isNotEqualTo(p.get(1));
    String other =
        f.decide(user("What did ann@example.org say?"), "s2").edits().stream()
            .map(Edit.Replace.class::cast)
            .toList()
            .get(0)
            .value()
            .asText();
    assertThat(placeholders(other))
        .as("another exchange draws its own random placeholder for the same value")
        .hasSize(1)
        .doesNotContain(p.get(0), p.get(1));
  }

  @Test
  void theVaultKeepsValuesEncryptedRevealsOnlyInTheMintingExchangeAndForgetsEndedOnes() {
    dev.lmgate.testkit.FakeClock clock =
        new dev.lmgate.testkit.FakeClock(java.time.Instant.parse("2026-11-26T10:00:00Z"));
    PseudonymVault v = new PseudonymVault(java.time.Duration.ofMinutes(30), clock);
    String p = v.pseudonym("s", "EMAIL", "ann@example.org");
    assertThat(p).matches(PLACEHOLDER.pattern());
    assertThat(p.length()).isLessThanOrEqualTo(PseudonymVault.MAX_PLACEHOLDER_LENGTH);
    assertThat(v.reveal("s", p)).contains("ann@example.org");
    assertThat(v.reveal("other", p)).isEmpty();
    v.forget("s");
    assertThat(v.reveal("s", p)).as("an ended exchange restores nothing").isEmpty();
    String q = v.pseudonym("t", "EMAIL", "ann@example.org");
    clock.advance(java.time.Duration.ofMinutes(31));
    assertThat(v.reveal("t", q)).isEmpty();
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
        new dev.lmgate.filters.TestRequest().json("{\"model\":\"m\",\"messages\":[]}", user("x"));
    String p =
        placeholders(
                f
                    .decide(user("write to ann@example.org"), SensitiveDataFilter.session(req))
                    .edits()
                    .stream()
                    .map(Edit.Replace.class::cast)
                    .toList()
                    .get(0)
                    .value()
                    .asText())
            .get(0);
    assertThat(f.inspectsResponse(req)).isTrue();
    dev.lmgate.spi.ResponseView answer =
        response(
            req,
            new dev.lmgate.spi.OutputText(
                "0",
                dev.lmgate.spi.OutputChannel.CONTENT,
                "/choices/0/message/content",
                "Done: wrote " + p + ", call +44 20 7946 0123."),
            new dev.lmgate.spi.OutputText(
                "0.t0",
                dev.lmgate.spi.OutputChannel.TOOL_ARGUMENTS,
                "/choices/0/message/tool_calls/0/function/arguments",
                "{\"to\":\"" + p + "\"}"));
    Verdict v = f.onResponse(answer).toCompletableFuture().join();
    assertThat(v.kind()).isEqualTo(Verdict.Kind.MODIFY);
    assertThat(v.edits().stream().map(Edit.Replace.class::cast).toList()).hasSize(1);
    assertThat(v.edits().stream().map(Edit.Replace.class::cast).toList().get(0).value().asText())
        .isEqualTo("Done: wrote ann@example.org, call [PHONE].");
  }

  @Test
  void valuesThatOverlapAreMaskedWholeInAnAnswerAsInAStream() throws Exception {
    SensitiveDataFilter f =
        filter("{\"output\":{\"types\":{\"secrets\":\"redact\",\"personal\":\"redact\"}}}");
    dev.lmgate.filters.TestRequest req =
        new dev.lmgate.filters.TestRequest().json("{\"model\":\"m\",\"messages\":[]}", user("x"));
    // a bearer token that runs on through a JWT and an IBAN into an email address: each detector
    // takes part of it; none of its characters may stay
    String token = "abcdefghijklmnopqrstuvwxyz012345";
    String jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLWJ5dGVz";
    String text =
        "Use Bearer " + token + "/" + jwt + "/DE89370400440532013000--/jane.doe@example.org now";
    Verdict v =
        f.onResponse(
                response(
                    req,
                    new dev.lmgate.spi.OutputText(
                        "0",
                        dev.lmgate.spi.OutputChannel.CONTENT,
                        "/choices/0/message/content",
                        text)))
            .toCompletableFuture()
            .join();
    String masked =
        v.edits().stream().map(Edit.Replace.class::cast).toList().get(0).value().asText();
    assertThat(masked).startsWith("Use Bearer [").endsWith("] now");
    for (String part : List.of(token, "eyJhbGci", "DE8937", "jane.doe", "example.org")) {
      assertThat(masked).doesNotContain(part);
    }
  }

  @Test
  void anotherRequestWithTheSameKeyEchoingAMintedPlaceholderGetsItNotRestored() throws Exception {
    SensitiveDataFilter f = filter("{\"types\":{\"EMAIL_ADDRESS\":\"pseudonymize\"}}");
    dev.lmgate.spi.Principal teamKey =
        new dev.lmgate.spi.Principal(
            "key:team",
            dev.lmgate.spi.Principal.Kind.API_KEY,
            "team agent",
            java.util.Set.of("developer"),
            java.util.Set.of(),
            List.of(),
            "",
            null);
    dev.lmgate.filters.TestRequest alice =
        new dev.lmgate.filters.TestRequest()
            .json("{\"model\":\"m\",\"messages\":[]}", user("x"))
            .principal(teamKey)
            .header("x-lmgate-session", "shared");
    dev.lmgate.filters.TestRequest bob =
        new dev.lmgate.filters.TestRequest()
            .json("{\"model\":\"m\",\"messages\":[]}", user("x"))
            .principal(teamKey)
            .header("x-lmgate-session", "shared");
    String minted =
        placeholders(
                f
                    .decide(user("mail ann@example.org"), SensitiveDataFilter.session(alice))
                    .edits()
                    .stream()
                    .map(Edit.Replace.class::cast)
                    .toList()
                    .get(0)
                    .value()
                    .asText())
            .get(0);
    dev.lmgate.spi.OutputText echo =
        new dev.lmgate.spi.OutputText(
            "0",
            dev.lmgate.spi.OutputChannel.CONTENT,
            "/choices/0/message/content",
            "Her address is " + minted + ".");
    assertThat(f.onResponse(response(bob, echo)).toCompletableFuture().join().kind())
        .as("bob's answer echoing alice's placeholder")
        .isEqualTo(Verdict.Kind.PASS);
    var stream = f.streamInspector(bob).orElseThrow();
    assertThat(
            stream
                .inspect("0", dev.lmgate.spi.OutputChannel.CONTENT, echo.text(), 0, true)
                .redactions())
        .as("nor streamed")
        .isEmpty();
    assertThat(
            f.onResponse(response(alice, echo)).toCompletableFuture().join().edits().stream()
                .map(Edit.Replace.class::cast)
                .toList())
        .as("alice's own answer is restored")
        .singleElement()
        .satisfies(
            e -> assertThat(e.value().asText()).isEqualTo("Her address is ann@example.org."));
  }

  @Test
  void aStreamedPlaceholderSplitAnywhereFitsTheSmallestHoldBack() throws Exception {
    SensitiveDataFilter f =
        filter("{\"types\":{\"EMAIL_ADDRESS\":\"pseudonymize\"},\"output\":{\"hold-back\":24}}");
    dev.lmgate.filters.TestRequest req =
        new dev.lmgate.filters.TestRequest().json("{\"model\":\"m\",\"messages\":[]}", user("x"));
    String p =
        placeholders(
                f
                    .decide(user("mail ann@example.org"), SensitiveDataFilter.session(req))
                    .edits()
                    .stream()
                    .map(Edit.Replace.class::cast)
                    .toList()
                    .get(0)
                    .value()
                    .asText())
            .get(0);
    var inspector = f.streamInspector(req).orElseThrow();
    assertThat(p.length()).isLessThanOrEqualTo(inspector.holdBack()).isLessThanOrEqualTo(24);
    String text = "Writing to " + p + " now";
    int at = text.indexOf(p);
    for (int cut = at + 1; cut < at + p.length(); cut++) {
      // the events so far end inside the placeholder: nothing to restore yet, and exactly the
      // placeholder's beginning is held ...
      var first =
          inspector.inspect(
              "0", dev.lmgate.spi.OutputChannel.CONTENT, text.substring(0, cut), 0, false);
      assertThat(first.redactions()).isEmpty();
      assertThat(first.undecidedFrom()).isEqualTo(at);
      // ... and the next event completes it: seen whole from where the first answer held
      assertThat(
              inspector
                  .inspect(
                      "0", dev.lmgate.spi.OutputChannel.CONTENT, text, first.undecidedFrom(), false)
                  .redactions())
          .as("split after %d characters", cut - at)
          .singleElement()
          .satisfies(
              sp -> {
                assertThat(sp.start()).isEqualTo(at);
                assertThat(sp.replacement()).isEqualTo("ann@example.org");
              });
    }
  }

  @Test
  void aClientNamedPseudonymSessionIsAConfigErrorNotASilentScope() {
    assertThatThrownBy(
            () ->
                filter(
                    "{\"types\":{\"EMAIL_ADDRESS\":\"pseudonymize\"},"
                        + "\"session-header\":\"x-lmgate-session\"}"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("session-header");
  }

  static dev.lmgate.spi.ResponseView response(
      dev.lmgate.spi.RequestView r, dev.lmgate.spi.OutputText... outputs) {
    return new dev.lmgate.spi.ResponseView() {
      @Override
      public java.util.Map<String, String> toolNames() {
        return java.util.Map.of();
      }

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

  /** The text the filter would forward: the edit's value, or the text itself when untouched. */
  static String forwarded(SensitiveDataFilter f, String text) {
    Verdict v = f.decide(user(text));
    return v.kind() == Verdict.Kind.MODIFY
        ? ((Edit.Replace) v.edits().get(0)).value().asText()
        : text;
  }

  @Test
  void theCountriesAndStrictnessOfNationalPhoneNumbersAreTheOperators() throws Exception {
    String london = "The office is 020 7946 0958.";
    String sanFrancisco = "The office is 415 555 2671.";
    String oddlyGrouped = "The office is 020 79 46 09 58."; // valid in London, not grouped so
    SensitiveDataFilter byDefault = filter("{\"types\":{\"personal\":\"redact\"}}");
    assertThat(forwarded(byDefault, london)).isEqualTo("The office is [PHONE].");
    assertThat(forwarded(byDefault, oddlyGrouped)).as("strict grouping").isEqualTo(oddlyGrouped);

    SensitiveDataFilter usOnly =
        filter("{\"types\":{\"personal\":\"redact\"},\"phone-numbers\":{\"regions\":[\"us\"]}}");
    assertThat(forwarded(usOnly, london)).isEqualTo(london);
    assertThat(forwarded(usOnly, sanFrancisco)).isEqualTo("The office is [PHONE].");
    assertThat(forwarded(usOnly, "Call +44 20 7946 0958.")).isEqualTo("Call [PHONE].");
    assertThat(usOnly.phoneNumbers().regions()).containsExactly("US");

    SensitiveDataFilter lenient =
        filter("{\"types\":{\"personal\":\"redact\"},\"phone-numbers\":{\"leniency\":\"valid\"}}");
    assertThat(forwarded(lenient, oddlyGrouped)).isEqualTo("The office is [PHONE].");
    assertThat(forwarded(lenient, "build 2024 0517 1230 passed"))
        .as("the price of leniency: twelve digits some plan holds, grouped as no country does")
        .isEqualTo("build [PHONE] passed");
    assertThat(forwarded(byDefault, "build 2024 0517 1230 passed"))
        .isEqualTo("build 2024 0517 1230 passed");

    assertThatThrownBy(() -> filter("{\"phone-numbers\":{\"regions\":[\"UK\"]}}"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("filters[0].phone-numbers.regions: UK (expected: an ISO 3166");
    assertThatThrownBy(() -> filter("{\"phone-numbers\":{\"leniency\":\"loose\"}}"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("phone-numbers.leniency");
    assertThatThrownBy(() -> filter("{\"phone-numbers\":{\"region\":[\"US\"]}}"))
        .isInstanceOf(ConfigException.class);
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
