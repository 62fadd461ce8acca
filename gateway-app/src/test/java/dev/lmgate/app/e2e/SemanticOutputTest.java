package dev.lmgate.app.e2e;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import dev.lmgate.app.Gateway;
import dev.lmgate.app.config.ConfigLoader;
import dev.lmgate.simulator.Fixtures;
import dev.lmgate.simulator.LmStudioSimulator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code output-semantics} in front of the simulated LM Studio (whose answers explain reverse
 * proxies): off-topic answers per route, similarity to harmful exemplars, whole and streamed, with
 * the built-in embedder and with an embeddings endpoint (WireMock at the far edge).
 */
class SemanticOutputTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static LmStudioSimulator sim;
  @TempDir Path tmp;
  Gateway gw;
  WireMockServer embeddings;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void simulator() throws Exception {
    sim = new LmStudioSimulator(Fixtures.locate());
    sim.start(0);
  }

  @AfterAll
  static void stopSimulator() {
    sim.close();
  }

  @AfterEach
  void stop() {
    if (gw != null) {
      gw.close();
    }
    if (embeddings != null) {
      embeddings.stop();
    }
  }

  void gateway(String filter) throws Exception {
    ConfigLoader loader = new ConfigLoader(k -> null);
    String yaml =
        "server:\n  port: 0\n  access-log: false\nadmin:\n  enabled: false\nupstream:\n  url: "
            + sim.baseUrl()
            + "\nfilters:\n"
            + filter;
    gw = new Gateway(loader.parse(yaml), null, loader, s -> {}).start();
  }

  HttpResponse<String> ask(boolean stream) throws Exception {
    return http.send(
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + gw.address().getPort() + "/v1/chat/completions"))
            .timeout(Duration.ofSeconds(10))
            .header("content-type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"model\":\"qwen/qwen3-4b-2507\",\"stream\":"
                        + stream
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"What is a reverse proxy?\"}]}"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void anAnswerFarFromTheRoutesTopicsIsBlockedAndOneNearThemPasses() throws Exception {
    gateway(
        """
          - id: output-semantics
            topics:
              - routes: [openai-chat]
                allowed: ["Baking bread, cakes and pastry: recipes, ovens, flour and yeast"]
        """);
    HttpResponse<String> off = ask(false);
    assertThat(off.statusCode()).isEqualTo(403);
    assertThat(JSON.readTree(off.body()).path("error").path("code").asText())
        .isEqualTo("content_filter");
    assertThat(off.body()).contains("off_topic");
    HttpResponse<String> offStream = ask(true);
    assertThat(offStream.body())
        .contains("\"finish_reason\":\"content_filter\"")
        .contains("off topic for this route")
        .endsWith("data: [DONE]\n\n");
    gw.close();

    gateway(
        """
          - id: output-semantics
            topics:
              - routes: [openai-chat]
                allowed: ["How a reverse proxy forwards client requests to backend servers"]
        """);
    assertThat(ask(false).statusCode()).isEqualTo(200);
    assertThat(ask(true).body()).doesNotContain("content_filter").endsWith("data: [DONE]\n\n");
  }

  @Test
  void anAnswerLikeAHarmfulExemplarIsBlockedWholeAndHeldStreamsSendNoneOfIt() throws Exception {
    Path exemplars = tmp.resolve("exemplars.jsonl");
    Files.writeString(
        exemplars,
        "{\"text\":\"A reverse proxy sits in front of a server and forwards client requests to it.\","
            + "\"category\":\"test-harm\"}\n"
            + "{\"text\":\"Mix flour, water, salt and yeast, knead and bake.\",\"category\":\"other\"}\n");
    gateway(
        """
          - id: output-semantics
            harmful: {exemplars: "%s"}
            stream-cadence: 0
            stream-hold: true
        """
            .formatted(exemplars.toString().replace("\\", "/")));
    HttpResponse<String> whole = ask(false);
    assertThat(whole.statusCode()).isEqualTo(403);
    assertThat(whole.body()).contains("harmful_similarity");
    HttpResponse<String> streamed = ask(true);
    assertThat(streamed.body())
        .doesNotContain("\"content\":\" reverse\"")
        .contains("similar to a harmful exemplar of test-harm")
        .endsWith("data: [DONE]\n\n");
  }

  @Test
  void anEmbeddingsEndpointIsAskedForVectorsAndItsFailureFailsClosed() throws Exception {
    embeddings = new WireMockServer(wireMockConfig().bindAddress("127.0.0.1").dynamicPort());
    embeddings.start();
    // the same vector for every text: the answer is as alike the one exemplar as can be
    embeddings.stubFor(
        post(urlEqualTo("/v1/embeddings"))
            .willReturn(
                aResponse()
                    .withHeader("content-type", "application/json")
                    .withBody(
                        "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,"
                            + "\"embedding\":[0.1,0.7,-0.2]}],\"model\":\"nomic\"}")));
    Path exemplars = tmp.resolve("exemplars.jsonl");
    Files.writeString(exemplars, "{\"text\":\"something harmful\",\"category\":\"s2\"}\n");
    gateway(
        """
          - id: output-semantics
            embeddings: {url: "http://127.0.0.1:%d/v1", model: text-embedding-nomic-embed-text-v1.5}
            harmful: {exemplars: "%s"}
            timeout: 1s
        """
            .formatted(embeddings.port(), exemplars.toString().replace("\\", "/")));
    HttpResponse<String> r = ask(false);
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.body()).contains("harmful_similarity");
    embeddings.verify(
        com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor(
                urlEqualTo("/v1/embeddings"))
            .withRequestBody(
                com.github.tomakehurst.wiremock.client.WireMock.containing(
                    "\"model\":\"text-embedding-nomic-embed-text-v1.5\"")));

    embeddings.resetAll();
    embeddings.stubFor(
        post(urlEqualTo("/v1/embeddings")).willReturn(aResponse().withBody("{\"data\":\"no\"}")));
    HttpResponse<String> broken = ask(false);
    assertThat(broken.statusCode()).isEqualTo(503);
    assertThat(JSON.readTree(broken.body()).path("error").path("code").asText())
        .isEqualTo("filter_unavailable");
  }
}
