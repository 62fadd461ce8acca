package dev.lmgate.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lmgate.app.Gateway;
import dev.lmgate.simulator.Fixtures;
import dev.lmgate.simulator.LmStudioSimulator;
import dev.lmgate.testkit.Eventually;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class UpstreamTimeoutTest {
  @Test
  void lmStudioThatDoesNotStartAnsweringInTimeGets504AndIsDisconnected() throws Exception {
    try (LmStudioSimulator sim = new LmStudioSimulator(Fixtures.locate())) {
      sim.start(0);
      sim.delayAnswers(2_000);
      String settings = "  first-byte-timeout: 200ms\n";
      try (Gateway gw = GatewayExtension.startGateway(settings, sim.baseUrl(), s -> {})) {
        HttpResponse<String> res =
            HttpClient.newHttpClient()
                .send(
                    HttpRequest.newBuilder(
                            URI.create(
                                "http://127.0.0.1:"
                                    + gw.address().getPort()
                                    + "/v1/chat/completions"))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"messages\":[]}"))
                        .build(),
                    HttpResponse.BodyHandlers.ofString());
        assertThat(res.statusCode()).isEqualTo(504);
        assertThat(res.body())
            .contains("\"code\":\"upstream_timeout\"")
            .contains("did not start answering");
        Eventually.within(Duration.ofSeconds(5), () -> sim.abandonedStreams() > 0);
        assertThat(sim.abandonedStreams())
            .as("the upstream connection was closed, so LM Studio stops")
            .isEqualTo(1);
      }
    }
  }

  @Test
  void aStreamThatFallsSilentIsCutAfterTheIdleTimeout() throws Exception {
    try (LmStudioSimulator sim = new LmStudioSimulator(Fixtures.locate())) {
      sim.start(0);
      sim.script(
          "/v1/chat/completions",
          LmStudioSimulator.Scripted.sse(
              3_000, FilteredExchangeTest.content("first"), FilteredExchangeTest.STOP));
      String settings = "  idle-timeout: 300ms\n";
      java.util.concurrent.LinkedBlockingQueue<dev.lmgate.spi.ExchangeSummary> done =
          new java.util.concurrent.LinkedBlockingQueue<>();
      try (Gateway gw = GatewayExtension.startGateway(settings, sim.baseUrl(), done::add)) {
        HttpRequest req =
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:" + gw.address().getPort() + "/v1/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"stream\":true,\"messages\":[]}"))
                .build();
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString()))
            .as("the response is cut, not completed")
            .isInstanceOf(java.io.IOException.class);
        dev.lmgate.spi.ExchangeSummary s = done.poll(5, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(s).isNotNull();
        assertThat(s.decision()).isEqualTo(dev.lmgate.spi.ExchangeSummary.Decision.UPSTREAM_ERROR);
      }
    }
  }
}
