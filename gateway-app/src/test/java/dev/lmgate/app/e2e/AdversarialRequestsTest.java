package dev.lmgate.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lmgate.app.fuzz.AdversarialInputs;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Worst-case requests against the shipped config: a megabyte built to defeat each scanner, a
 * request over the scan budget, twenty thousand tiny messages, JSON nested five thousand deep.
 * Every one gets an HTTP answer — the forwarded 200, or an API-shaped error — and never a dropped
 * connection.
 */
class AdversarialRequestsTest {
  @RegisterExtension static final ShippedGateway gw = new ShippedGateway("adversary");

  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  record Case(String name, String body) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> cases() {
    Stream<Case> texts =
        AdversarialInputs.ALL.stream()
            .map(g -> new Case(g.name(), AdversarialInputs.chatBody(g.text("x", 1_000_000))));
    Stream<Case> over =
        Stream.of(
            new Case(
                "over-the-scan-budget",
                AdversarialInputs.chatBody(AdversarialInputs.ALL.get(0).text("y", 1_100_000))));
    Stream<Case> bodies =
        AdversarialInputs.BODIES.stream().map(b -> new Case(b.name(), b.make().apply(b.size())));
    return Stream.of(texts, over, bodies).flatMap(s -> s);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void everyWorstCaseGetsAnApiShapedAnswer(Case c) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(gw.url("/v1/chat/completions"))
                .timeout(Duration.ofSeconds(60))
                .header("content-type", "application/json")
                .header("authorization", "Bearer " + gw.key("adversary"))
                .POST(HttpRequest.BodyPublishers.ofString(c.body()))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    JsonNode body = JSON.readTree(r.body());
    if (r.statusCode() == 200) {
      assertThat(body.path("choices").isArray()).as(r.body()).isTrue();
    } else {
      assertThat(r.statusCode()).isIn(400, 413, 429, 503);
      assertThat(body.path("error").path("message").asText()).as(r.body()).isNotBlank();
      assertThat(body.path("error").path("code").asText()).isNotBlank();
      assertThat(r.headers().firstValue("x-request-id")).isPresent();
    }
    if (c.name().equals("over-the-scan-budget")) {
      assertThat(r.statusCode()).isEqualTo(413);
    }
  }
}
