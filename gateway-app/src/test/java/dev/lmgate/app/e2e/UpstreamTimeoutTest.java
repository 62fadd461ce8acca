package dev.lmgate.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lmgate.simulator.LmStudioSimulator;
import dev.lmgate.spi.ExchangeSummary;
import dev.lmgate.testkit.Eventually;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class UpstreamTimeoutTest {
  @RegisterExtension
  static final GatewayExtension firstByte =
      GatewayExtension.config(
          """
          server: {port: 0, access-log: false, first-byte-timeout: 200ms}
          admin: {enabled: false}
          upstream: {url: "{simulator}"}
          """);

  @RegisterExtension
  static final GatewayExtension idle =
      GatewayExtension.config(
          """
          server: {port: 0, access-log: false, idle-timeout: 300ms}
          admin: {enabled: false}
          upstream: {url: "{simulator}"}
          """);

  @Test
  void lmStudioThatDoesNotStartAnsweringInTimeGets504AndIsDisconnected() throws Exception {
    firstByte.simulator().delayAnswers(2_000);
    HttpResponse<String> res =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(firstByte.url("/v1/chat/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"messages\":[]}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(res.statusCode()).isEqualTo(504);
    assertThat(res.body())
        .contains("\"code\":\"upstream_timeout\"")
        .contains("did not start answering");
    Eventually.within(Duration.ofSeconds(5), () -> firstByte.simulator().abandonedStreams() > 0);
    assertThat(firstByte.simulator().abandonedStreams())
        .as("the upstream connection was closed, so LM Studio stops")
        .isEqualTo(1);
  }

  @Test
  void aStreamThatFallsSilentIsCutAfterTheIdleTimeout() throws Exception {
    idle.simulator()
        .script(
            "/v1/chat/completions",
            LmStudioSimulator.Scripted.sse(
                3_000, FilteredExchangeTest.content("first"), FilteredExchangeTest.STOP));
    HttpRequest req =
        HttpRequest.newBuilder(idle.url("/v1/chat/completions"))
            .POST(HttpRequest.BodyPublishers.ofString("{\"stream\":true,\"messages\":[]}"))
            .build();
    assertThatThrownBy(
            () -> HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString()))
        .as("the response is cut, not completed")
        .isInstanceOf(IOException.class);
    assertThat(idle.nextExchange().decision()).isEqualTo(ExchangeSummary.Decision.UPSTREAM_ERROR);
  }
}
