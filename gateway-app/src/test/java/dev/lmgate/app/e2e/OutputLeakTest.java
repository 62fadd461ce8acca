package dev.lmgate.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lmgate.spi.ExchangeSummary;
import dev.lmgate.testkit.LmStudioSimulator.Scripted;
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

  @Test
  void aPseudonymSplitAcrossEventsIsRestoredForTheCallerWhoSentIt() throws Exception {
    gw.simulator()
        .script(
            "/v1/chat/completions",
            Scripted.sse(5, content("I will write to [EMA"), content("IL_1] today."), STOP));
    HttpResponse<String> r = chat("Please email ann@example.org about the invoice.", "s-pii");
    assertThat(gw.simulator().takeRequest().bodyText())
        .contains("Please email [EMAIL_1] about the invoice.")
        .doesNotContain("ann@example.org");
    String text = r.body().replaceAll("(?s).*?\"content\":\"([^\"]*)\".*?(?=data:|$)", "$1");
    assertThat(text).contains("ann@example.org");
    assertThat(r.body()).doesNotContain("[EMAIL_1]").doesNotContain("[EMA");

    // another session never sees this session's value
    gw.simulator()
        .script("/v1/chat/completions", Scripted.sse(5, content("Hello [EMAIL_1]."), STOP));
    HttpResponse<String> other = chat("hi", "s-other");
    assertThat(other.body()).contains("[EMAIL_1]").doesNotContain("ann@example.org");
  }
}
