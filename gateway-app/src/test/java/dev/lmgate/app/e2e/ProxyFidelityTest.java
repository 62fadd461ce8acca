package dev.lmgate.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lmgate.simulator.Fixtures;
import dev.lmgate.simulator.LmStudioSimulator;
import dev.lmgate.spi.ExchangeSummary;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The gateway without filters: clients cannot tell it from LM Studio. */
class ProxyFidelityTest {
  @RegisterExtension static final GatewayExtension gw = new GatewayExtension("filters: []\n");

  /** A second gateway, pointed at a port where nothing listens. */
  @RegisterExtension
  static final GatewayExtension down =
      GatewayExtension.config(
          """
          server: {port: 0, access-log: false}
          admin: {enabled: false}
          upstream: {url: "http://127.0.0.1:9"}
          """);

  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  final Fixtures fixtures = Fixtures.locate();

  HttpResponse<byte[]> post(String path, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(gw.url(path))
            .timeout(java.time.Duration.ofSeconds(10))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  @ParameterizedTest
  @CsvSource({
    "/v1/chat/completions, chat-completion.json, false",
    "/v1/chat/completions, chat-completion-stream.sse, true",
    "/v1/completions, completion-stream.sse, true",
    "/v1/embeddings, embeddings.json, false",
    "/v1/responses, responses-api-stream.sse, true",
    "/v1/messages, anthropic-messages-stream.sse, true",
    "/api/v1/chat, api-v1-chat-stream.sse, true",
    "/api/v0/chat/completions, api-v0-chat-completion.json, false",
  })
  void relaysBodiesByteForByte(String path, String fixture, boolean stream) throws Exception {
    gw.simulator().splitStreamsEvery(7);
    String body =
        "{\"model\":\"m\",\"stream\":"
            + stream
            + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"input\":\"x\",\"prompt\":\"p\"}";
    HttpResponse<byte[]> res = post(path, body);
    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.body()).isEqualTo(fixtures.bytes(fixture));
    assertThat(gw.simulator().takeRequest().bodyText()).isEqualTo(body);
    assertThat(res.headers().firstValue("x-request-id")).isPresent();
    if (stream) {
      assertThat(res.headers().firstValue("content-type")).hasValue("text/event-stream");
      assertThat(res.headers().firstValue("content-length")).isEmpty();
    } else {
      assertThat(res.headers().firstValue("content-type"))
          .hasValue("application/json; charset=utf-8");
      assertThat(res.headers().firstValue("etag")).isPresent();
      assertThat(res.headers().firstValue("x-powered-by")).hasValue("Express");
      assertThat(res.headers().firstValue("keep-alive")).as("hop-by-hop").isEmpty();
    }
  }

  @Test
  void getRoutesAndQueryStringsAreForwardedUnchanged() throws Exception {
    HttpResponse<byte[]> res =
        http.send(
            HttpRequest.newBuilder(gw.url("/v1/models?x=1")).build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(res.body()).isEqualTo(fixtures.bytes("models.json"));
    LmStudioSimulator.Received r = gw.simulator().takeRequest();
    assertThat(r.uri()).isEqualTo("/v1/models?x=1");
    assertThat(r.headers().get("host"))
        .isEqualTo(gw.simulator().baseUrl().substring("http://".length()));
  }

  @Test
  void unknownRoutesGet404InTheApisShapeAndAreNotForwarded() throws Exception {
    HttpResponse<String> res =
        http.send(
            HttpRequest.newBuilder(gw.url("/v1//models")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(res.statusCode()).isEqualTo(404);
    assertThat(res.body())
        .startsWith("{\"error\":{\"message\":\"Unknown route: GET /v1//models.")
        .contains("\"code\":\"unknown_route\"");
    HttpResponse<String> anthropic =
        http.send(
            HttpRequest.newBuilder(gw.url("/v1/messages/count_tokens?beta=true"))
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(anthropic.statusCode()).isEqualTo(404);
    assertThat(anthropic.body())
        .startsWith("{\"type\":\"error\",\"error\":{\"type\":\"not_found_error\"");
    assertThat(gw.simulator().pendingRequests()).isZero();
    assertThat(gw.nextExchange().decision()).isEqualTo(ExchangeSummary.Decision.REJECTED);
  }

  @Test
  void anOversizedBodyGets413() throws Exception {
    HttpResponse<byte[]> res =
        post("/v1/chat/completions", "{\"x\":\"" + "a".repeat(70_000) + "\"}");
    assertThat(res.statusCode()).isEqualTo(413);
    assertThat(gw.simulator().pendingRequests()).isZero();
  }

  @Test
  void webSocketUpgradesAreRefusedWithAClearMessage() throws Exception {
    String res =
        raw(
            "GET /llm HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    assertThat(res).startsWith("HTTP/1.1 403").contains("websocket_disabled");
    assertThat(gw.simulator().pendingRequests()).isZero();
  }

  @Test
  void contentLengthWithTransferEncodingIsRejectedAndTheConnectionClosed() throws Exception {
    String res =
        raw(
            "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "0\r\n\r\nGET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n");
    assertThat(res).startsWith("HTTP/1.1 400");
    assertThat(res).doesNotContain("HTTP/1.1 200");
    assertThat(gw.simulator().pendingRequests())
        .as("nothing reaches LM Studio, smuggled or not")
        .isZero();
  }

  @Test
  void hopByHopHeadersStayOnTheirHop() throws Exception {
    String res =
        raw(
            "GET /v1/models HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\n"
                + "Keep-Alive: timeout=9\r\nTE: trailers\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n"
                + "X-End-To-End: 2\r\n\r\n");
    assertThat(res).startsWith("HTTP/1.1 200");
    java.util.Map<String, String> seen = gw.simulator().takeRequest().headers();
    assertThat(seen)
        .containsEntry("x-end-to-end", "2")
        .doesNotContainKeys("x-hop", "keep-alive", "te", "upgrade", "http2-settings");
    assertThat(seen.get("connection"))
        .as("the gateway's own hop")
        .isNotEqualTo("keep-alive, X-Hop");
  }

  @Test
  void keepAliveServesSeveralRequestsOnOneConnectionInOrder() throws Exception {
    String req = "GET /lmstudio-greeting HTTP/1.1\r\nHost: x\r\n\r\n";
    String res =
        raw(req + req + "GET /lmstudio-greeting HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertThat(res.split("HTTP/1.1 200", -1)).hasSize(4);
  }

  @Test
  void lmStudioDownGivesA502InTheApisShape() throws Exception {
    HttpResponse<String> res =
        http.send(
            HttpRequest.newBuilder(down.url("/v1/models")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(res.statusCode()).isEqualTo(502);
    assertThat(res.body()).contains("\"code\":\"upstream_error\"").contains("not reachable");
  }

  /** Writes raw bytes and reads until the gateway closes or 2 s pass. */
  String raw(String request) throws Exception {
    try (Socket s = new Socket("127.0.0.1", gw.port())) {
      s.setSoTimeout(2000);
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = s.getInputStream();
      StringBuilder sb = new StringBuilder();
      byte[] buf = new byte[8192];
      try {
        for (int n; (n = in.read(buf)) > 0; ) {
          sb.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
        }
      } catch (java.net.SocketTimeoutException e) {
        // the connection stayed open; what arrived is the answer
      }
      return sb.toString();
    }
  }
}
