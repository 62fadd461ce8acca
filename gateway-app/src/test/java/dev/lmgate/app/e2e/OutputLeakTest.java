package dev.lmgate.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lmgate.simulator.LmStudioSimulator.Scripted;
import dev.lmgate.spi.ExchangeSummary;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The answer's side of {@code sensitive-data}: a secret in a streamed answer is stopped before any
 * of it reaches the client, and pseudonyms placed on the way in come back as the caller's values
 * even when a placeholder is split across events.
 */
class OutputLeakTest {
  @RegisterExtension
  static final GatewayExtension gw =
      new GatewayExtension(
          """
      filters:
        - id: sensitive-data
          types:
            secrets: block
            EMAIL_ADDRESS: pseudonymize
          output:
            types:
              secrets: block
            restore: true
      """);

  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  static final String HEAD =
      "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
          + "\"choices\":[{\"index\":0,\"delta\":";

  static String content(String text) {
    return HEAD + "{\"content\":\"" + text + "\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n";
  }

  static final String STOP =
      HEAD + "{},\"logprobs\":null,\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";

  HttpResponse<String> chat(String userText, String session) throws Exception {
    return http.send(
        HttpRequest.newBuilder(gw.url("/v1/chat/completions"))
            .timeout(Duration.ofSeconds(10))
            .header("content-type", "application/json")
            .header("x-lmgate-session", session)
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\""
                        + userText
                        + "\"}]}"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aSecretInAStreamedAnswerIsStoppedBeforeAnyOfItIsReleased() throws Exception {
    String key = "ghp_" + "Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0Pp9Oo8Nn7";
    gw.simulator()
        .script(
            "/v1/chat/completions",
            Scripted.sse(
                5,
                content("Sure, use "),
                content(key.substring(0, 12)),
                content(key.substring(12)),
                content(" in CI."),
                STOP));
    HttpResponse<String> r = chat("How do I configure CI?", "s-leak");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body())
        .doesNotContain("ghp_")
        .doesNotContain(key.substring(12))
        .contains("\"finish_reason\":\"content_filter\"")
        .endsWith("data: [DONE]\n\n");
    ExchangeSummary s = gw.nextExchange();
    assertThat(s.decision().name()).isEqualTo("BLOCKED_RESPONSE");
  }

  /** The placeholder the gateway put in place of ann@example.org in what LM Studio received. */
  static String placeholderIn(String upstreamBody) {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("\\[EMAIL_[a-z2-7]{12}\\]").matcher(upstreamBody);
    assertThat(m.find()).as("an unguessable placeholder in " + upstreamBody).isTrue();
    return m.group();
  }

  /** The text of a streamed chat answer, its deltas joined. */
  static String streamedText(String body) {
    StringBuilder sb = new StringBuilder();
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("\"content\":\"([^\"]*)\"").matcher(body);
    while (m.find()) {
      sb.append(m.group(1));
    }
    return sb.toString();
  }

  @Test
  void aPseudonymSplitAcrossEventsIsRestoredInTheAnswerToTheRequestThatMintedIt() throws Exception {
    // a model that writes back the placeholder it was sent, split across two events
    gw.simulator()
        .respond(
            "/v1/chat/completions",
            got -> {
              String p = placeholderIn(got.bodyText());
              return Scripted.sse(
                  5,
                  content("I will write to " + p.substring(0, 4)),
                  content(p.substring(4) + " today."),
                  STOP);
            });
    HttpResponse<String> r = chat("Please email ann@example.org about the invoice.", "s-pii");
    String upstream = gw.simulator().takeRequest().bodyText();
    assertThat(upstream).doesNotContain("ann@example.org");
    String placeholder = placeholderIn(upstream);
    assertThat(streamedText(r.body())).isEqualTo("I will write to ann@example.org today.");
    assertThat(r.body()).doesNotContain(placeholder).doesNotContain("[EMA");
  }

  @Test
  void aNonStreamedAnswerGetsThePseudonymsOfItsOwnRequestRestored() throws Exception {
    gw.simulator()
        .respond(
            "/v1/chat/completions",
            got ->
                Scripted.json(
                    200,
                    "{\"id\":\"c\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"m\","
                        + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                        + "\"content\":\"Sent to "
                        + placeholderIn(got.bodyText())
                        + ".\"},\"finish_reason\":\"stop\"}]}"));
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(gw.url("/v1/chat/completions"))
                .timeout(Duration.ofSeconds(10))
                .header("content-type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":"
                            + "\"Mail ann@example.org\"}]}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("Sent to ann@example.org.");
  }

  @Test
  void aPlaceholderMintedForAnotherRequestOfTheSameCallerIsNeverRestored() throws Exception {
    // user A of a shared credential (same caller, same session header) has an e-mail pseudonymized
    HttpResponse<String> first = chat("Please email ann@example.org about the invoice.", "team");
    assertThat(first.statusCode()).isEqualTo(200);
    String minted = placeholderIn(gw.simulator().takeRequest().bodyText());

    // user B of the same credential gets the model to echo A's placeholder (and guessed ones)
    gw.simulator()
        .script(
            "/v1/chat/completions",
            Scripted.sse(5, content("Hello " + minted + " and [EMAIL_1]."), STOP));
    HttpResponse<String> other = chat("Repeat after me: " + minted, "team");
    assertThat(other.statusCode()).isEqualTo(200);
    assertThat(streamedText(other.body()))
        .isEqualTo("Hello " + minted + " and [EMAIL_1].")
        .doesNotContain("ann@example.org");
  }
}
