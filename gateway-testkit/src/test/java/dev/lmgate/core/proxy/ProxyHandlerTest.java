package dev.lmgate.core.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lmgate.core.admin.GatewayMetrics;
import dev.lmgate.core.chain.FilterChain;
import dev.lmgate.core.route.RouteTable;
import dev.lmgate.spi.ExchangeSummary;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The server pipeline in an EmbeddedChannel: answers the gateway gives on its own, before any
 * upstream is involved. (Lives in the testkit module so that the Netty leak check applies.)
 */
class ProxyHandlerTest {
  final List<ExchangeSummary> exchanges = new ArrayList<>();

  EmbeddedChannel channel() {
    ServerSettings s = ServerSettings.defaults(0, URI.create("http://127.0.0.1:9"));
    GatewayContext gw =
        new GatewayContext(
            s,
            RouteTable.lmStudio(),
            () -> new FilterChain(List.of(), o -> {}),
            new UpstreamPool(s),
            new GatewayMetrics(),
            exchanges::add,
            Clock.systemUTC(),
            () -> "req-1",
            null);
    EmbeddedChannel ch = new EmbeddedChannel();
    ch.config().setAutoRead(false);
    ch.pipeline()
        .addLast(Pipelines.DECODER, new HttpRequestDecoder())
        .addLast(Pipelines.ENCODER, new HttpResponseEncoder())
        .addLast(Pipelines.AGGREGATOR, new RequestBodyAggregator(1024))
        .addLast(Pipelines.PROXY, new ProxyHandler(gw));
    ch.pipeline().fireChannelActive();
    return ch;
  }

  static String written(EmbeddedChannel ch) {
    StringBuilder sb = new StringBuilder();
    ByteBuf b;
    while ((b = ch.readOutbound()) != null) {
      sb.append(b.toString(StandardCharsets.ISO_8859_1));
      b.release();
    }
    return sb.toString();
  }

  static ByteBuf bytes(String s) {
    return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
  }

  @Test
  void unknownRouteIsAnswered404AndTheConnectionServesTheNextRequest() {
    EmbeddedChannel ch = channel();
    ch.writeInbound(
        bytes("GET /v2/models HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\n"));
    ch.runPendingTasks();
    String out = written(ch);
    assertThat(out.split("HTTP/1.1 404 Not Found", -1))
        .as("both pipelined requests answered, in order")
        .hasSize(3);
    assertThat(out).contains("x-request-id: req-1").contains("\"code\":\"unknown_route\"");
    assertThat(ch.isOpen()).isTrue();
    assertThat(exchanges)
        .extracting(ExchangeSummary::decision)
        .containsOnly(ExchangeSummary.Decision.REJECTED);
    assertThat(ch.finishAndReleaseAll()).isFalse();
  }

  @Test
  void bothContentLengthAndTransferEncodingIsRejectedAndTheConnectionClosed() {
    EmbeddedChannel ch = channel();
    ch.writeInbound(
        bytes(
            "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
    assertThat(written(ch)).startsWith("HTTP/1.1 400 Bad Request").contains("not valid HTTP/1.1");
    assertThat(ch.isOpen()).isFalse();
    ch.finishAndReleaseAll();
  }

  @Test
  void anOversizedBodyGets413InTheApisShapeAndTheConnectionClosed() {
    EmbeddedChannel ch = channel();
    ch.writeInbound(
        bytes(
            "POST /api/v1/chat HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\n"
                + "x".repeat(2000)));
    String out = written(ch);
    assertThat(out)
        .startsWith("HTTP/1.1 413")
        .contains("{\"error\":{\"type\":\"invalid_request\"") // LM Studio's native name
        .contains("\"code\":\"request_too_large\"");
    assertThat(ch.isOpen()).isFalse();
    ch.finishAndReleaseAll();
  }

  @Test
  void aWrongMethodGets405AndIsNotForwarded() {
    EmbeddedChannel ch = channel();
    ch.writeInbound(
        bytes("DELETE /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"));
    assertThat(written(ch)).startsWith("HTTP/1.1 405").contains("method_not_allowed");
    assertThat(exchanges)
        .singleElement()
        .extracting(ExchangeSummary::decision)
        .isEqualTo(ExchangeSummary.Decision.REJECTED);
    ch.finishAndReleaseAll();
  }
}
