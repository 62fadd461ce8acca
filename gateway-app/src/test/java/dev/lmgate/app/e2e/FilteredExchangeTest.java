package dev.lmgate.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lmgate.simulator.LmStudioSimulator.Scripted;
import dev.lmgate.spi.ExchangeSummary;
import dev.lmgate.spi.FilterOutcome;
import dev.lmgate.testkit.Eventually;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The two core filters through a real gateway: limits on the way in, patterns on the way out. */
class FilteredExchangeTest {
  @RegisterExtension
  static final GatewayExtension gw =
      new GatewayExtension(
          """
      filters:
        - id: request-limits
          action: block
          max-output-tokens: 256
          max-messages: 4
        - id: output-patterns
          rules:
            - name: launch-code
              pattern: 'LAUNCH-[0-9]{4}'
              max-length: 16
            - name: aws-key
              pattern: 'AKIA[0-9A-Z]{16}'
              action: redact
              replacement: '[REDACTED]'
              max-length: 20
      """);

  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  static final String HEAD =
      "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
          + "\"system_fingerprint\":\"m\",\"choices\":[{\"index\":0,\"delta\":";

  static String delta(String json) {
    return HEAD + json + ",\"logprobs\":null,\"finish_reason\":null}]}\n\n";
  }

  static String content(String text) {
    return delta("{\"role\":\"assistant\",\"content\":\"" + text + "\"}");
  }

  static final String STOP =
      HEAD + "{},\"logprobs\":null,\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";

  HttpResponse<String> chat(String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(gw.url("/v1/chat/completions"))
            .timeout(Duration.ofSeconds(10))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static final String STREAM =
      "{\"model\":\"m\",\"stream\":true,\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  @Test
  void aPatternSplitAcrossSseEventsIsBlockedBeforeAnyOfItReachesTheClient() throws Exception {
    gw.simulator()
        .script(
            "/v1/chat/completions",
            Scripted.sse(
                5,
                content("The code is LAU"),
                content("NCH-"),
                content("12"),
                content("34 and more"),
                STOP));
    HttpResponse<String> res = chat(STREAM);
    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.body()).doesNotContain("LAU").doesNotContain("NCH").doesNotContain("more");
    assertThat(res.body())
        .contains("\"finish_reason\":\"content_filter\"")
        .endsWith("data: [DONE]\n\n");
    ExchangeSummary s = gw.nextExchange();
    assertThat(s.decision())
        .as("a blocked stream is never recorded as a success")
        .isEqualTo(ExchangeSummary.Decision.BLOCKED_RESPONSE);
    assertThat(s.filters())
        .anySatisfy(
            o -> {
              assertThat(o.filterId()).isEqualTo("output-patterns");
              assertThat(o.phase()).isEqualTo(FilterOutcome.Phase.STREAM);
              assertThat(o.verdict()).isEqualTo(FilterOutcome.Outcome.BLOCK);
              assertThat(o.reason()).isEqualTo("launch-code");
            });
  }

  @Test
  void toolCallArgumentFragmentsAreInspected() throws Exception {
    gw.simulator()
        .script(
            "/v1/chat/completions",
            Scripted.sse(
                0,
                delta(
                    "{\"tool_calls\":[{\"index\":0,\"id\":\"1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"\"}}]}"),
                delta(
                    "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"c\\\":\\\"LAUNCH\"}}]}"),
                delta(
                    "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"-9876\\\"}\"}}]}"),
                STOP));
    HttpResponse<String> res = chat(STREAM);
    assertThat(res.body())
        .doesNotContain("LAUNCH")
        .doesNotContain("9876")
        .contains("content_filter");
  }

  @Test
  void aSecretSplitAcrossEventsIsRedactedAndTheRestOfTheStreamFlows() throws Exception {
    gw.simulator()
        .script(
            "/v1/chat/completions",
            Scripted.sse(0, content("key: AKIAABCD"), content("EFGHIJKLMNOP ok"), STOP));
    String body = chat(STREAM).body();
    assertThat(body)
        .doesNotContain("AKIA")
        .doesNotContain("EFGH")
        .contains("[REDACTED]")
        .contains(" ok")
        .endsWith("data: [DONE]\n\n");
    assertThat(body).doesNotContain("content_filter");
  }

  @Test
  void aWholeAnswerTheGuardsCannotReadIsRefusedNotPassedUnread() throws Exception {
    // the model controls its tool arguments: nested past the parser's depth limit, they would
    // otherwise carry the answer past every response filter
    String deep = "[".repeat(300) + "\"LAUNCH-0000\"" + "]".repeat(300);
    gw.simulator()
        .script(
            "/v1/chat/completions",
            Scripted.json(
                200,
                "{\"id\":\"c\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":"
                    + "{\"role\":\"assistant\",\"content\":\"ok\",\"tool_calls\":[{\"id\":\"1\","
                    + "\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":"
                    + deep
                    + "}}]},\"finish_reason\":\"tool_calls\"}]}"));
    HttpResponse<String> res = chat("{\"model\":\"m\",\"max_tokens\":10,\"messages\":[]}");
    assertThat(res.statusCode()).isEqualTo(500);
    assertThat(res.body()).contains("gateway_error").doesNotContain("LAUNCH");
    assertThat(gw.nextExchange().decision()).isEqualTo(ExchangeSummary.Decision.BLOCKED_RESPONSE);
  }

  @Test
  void wholeResponsesAreFilteredToo() throws Exception {
    gw.simulator()
        .script(
            "/v1/chat/completions",
            Scripted.json(
                200,
                "{\"id\":\"c\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                    + "\"content\":\"use AKIAABCDEFGHIJKLMNOP\",\"reasoning\":\"LAUNCH-0000\"},\"finish_reason\":\"stop\"}]}"));
    HttpResponse<String> res = chat("{\"model\":\"m\",\"max_tokens\":10,\"messages\":[]}");
    assertThat(res.statusCode()).isEqualTo(403);
    assertThat(res.body())
        .contains("launch-code")
        .doesNotContain("LAUNCH-0000")
        .doesNotContain("AKIA");
    assertThat(gw.nextExchange().decision()).isEqualTo(ExchangeSummary.Decision.BLOCKED_RESPONSE);

    gw.simulator()
        .script(
            "/v1/chat/completions",
            Scripted.json(
                200,
                "{\"id\":\"c\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                    + "\"content\":\"use AKIAABCDEFGHIJKLMNOP\"},\"finish_reason\":\"stop\"}]}"));
    HttpResponse<String> redacted = chat("{\"model\":\"m\",\"max_tokens\":10,\"messages\":[]}");
    assertThat(redacted.statusCode()).isEqualTo(200);
    assertThat(redacted.body()).contains("use [REDACTED]");
    assertThat(redacted.headers().firstValue("content-length"))
        .hasValue(Integer.toString(redacted.body().getBytes(StandardCharsets.UTF_8).length));
  }

  @Test
  void aBodyFiltersCannotReadIsRejectedNotForwarded() throws Exception {
    HttpResponse<String> res = chat("{\"model\":");
    assertThat(res.statusCode()).isEqualTo(400);
    assertThat(res.body()).contains("invalid_json");
    assertThat(gw.simulator().pendingRequests()).isZero();
  }

  @Test
  void requestsOverTheLimitsNeverReachLmStudio() throws Exception {
    HttpResponse<String> res = chat("{\"model\":\"m\",\"max_tokens\":100000,\"messages\":[]}");
    assertThat(res.statusCode()).isEqualTo(400);
    assertThat(res.body())
        .isEqualTo(
            "{\"error\":{\"message\":\"'max_tokens' is 100000; this gateway allows at most 256.\","
                + "\"type\":\"invalid_request_error\",\"param\":\"max_tokens\",\"code\":\"max_tokens_exceeded\"}}");
    assertThat(gw.simulator().pendingRequests()).isZero();
    assertThat(gw.nextExchange().decision()).isEqualTo(ExchangeSummary.Decision.BLOCKED_REQUEST);
  }

  @Test
  void aRequestWithoutALimitGetsTheCapWrittenIn() throws Exception {
    chat("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(gw.simulator().takeRequest().bodyText())
        .isEqualTo(
            "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":256}");
  }

  @Test
  void aClientThatGoesAwayMidStreamCancelsTheUpstreamRequest() throws Exception {
    String[] events = new String[60];
    for (int i = 0; i < events.length; i++) {
      events[i] = content("word" + i + " ");
    }
    gw.simulator().script("/v1/chat/completions", Scripted.sse(50, events));
    HttpResponse<InputStream> res =
        http.send(
            HttpRequest.newBuilder(gw.url("/v1/chat/completions"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(STREAM))
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    InputStream in = res.body();
    assertThat(in.read(new byte[64])).isPositive(); // the stream started
    in.close(); // the client goes away
    Eventually.within(Duration.ofSeconds(5), () -> gw.simulator().abandonedStreams() > 0);
    assertThat(gw.simulator().abandonedStreams()).as("LM Studio saw its client go").isEqualTo(1);
    assertThat(gw.nextExchange().decision()).isEqualTo(ExchangeSummary.Decision.CLIENT_ABORTED);
  }
}
