package dev.lmgate.core.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lmgate.spi.Secret;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class UpstreamRequestTest {
  private static FullHttpRequest client(HttpMethod method, String body) {
    FullHttpRequest r =
        new DefaultFullHttpRequest(
            HttpVersion.HTTP_1_1,
            method,
            "/v1/chat/completions?x=1",
            Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
    r.headers()
        .set("host", "gateway.example:8080")
        .set("authorization", "Bearer lmgk_client_credential")
        .set("x-api-key", "lmgk_client_credential")
        .set("content-type", "application/json")
        .set("content-length", "999")
        .set("connection", "keep-alive, x-hop")
        .set("x-hop", "dropped")
        .set("expect", "100-continue")
        .set("x-request-id", "abc");
    return r;
  }

  private static FullHttpRequest upstream(
      FullHttpRequest client, boolean authenticated, Secret key, boolean upgrade) {
    return UpstreamRequest.of(
        client,
        client.content().retainedDuplicate(),
        "127.0.0.1:1234",
        authenticated,
        key,
        upgrade);
  }

  @Test
  void anAuthenticatedCallersCredentialNeverReachesLmStudioWhichGetsItsOwnKey() {
    FullHttpRequest client = client(HttpMethod.POST, "{\"model\":\"m\"}");
    FullHttpRequest out = upstream(client, true, Secret.of("sk-lmstudio-own"), false);
    try {
      assertThat(out.headers().getAll("authorization")).containsExactly("Bearer sk-lmstudio-own");
      assertThat(out.headers().contains("x-api-key")).isFalse();
      assertThat(out.headers().get("host")).isEqualTo("127.0.0.1:1234");
      assertThat(out.headers().get("content-length"))
          .as("the length of the body sent, not the client's claim")
          .isEqualTo("13");
      assertThat(out.headers().contains("expect")).isFalse();
      assertThat(out.headers().contains("x-hop")).as("named in Connection: hop-by-hop").isFalse();
      assertThat(out.headers().get("x-request-id")).isEqualTo("abc");
      assertThat(out.uri()).isEqualTo("/v1/chat/completions?x=1");
    } finally {
      out.release();
      client.release();
    }
  }

  @Test
  void withoutAuthenticationOrAnUpstreamKeyTheClientsHeaderIsLeftToLmStudio() {
    FullHttpRequest client = client(HttpMethod.POST, "{}");
    FullHttpRequest authenticated = upstream(client, true, null, false);
    FullHttpRequest open = upstream(client, false, null, false);
    try {
      assertThat(authenticated.headers().contains("authorization")).isFalse();
      assertThat(authenticated.headers().contains("x-api-key")).isFalse();
      // no authenticate filter and no key of lmgate's: the header is the client's, for LM Studio
      assertThat(open.headers().get("authorization")).isEqualTo("Bearer lmgk_client_credential");
    } finally {
      authenticated.release();
      open.release();
      client.release();
    }
  }

  @Test
  void anUpgradeAsksForAWebSocketAndABodylessGetSendsNoLength() {
    FullHttpRequest client = client(HttpMethod.GET, "");
    client.headers().remove("content-length");
    FullHttpRequest out = upstream(client, true, null, true);
    FullHttpRequest plain = upstream(client, true, null, false);
    try {
      assertThat(out.headers().get("upgrade")).isEqualTo("websocket");
      assertThat(out.headers().get("connection")).isEqualTo("upgrade");
      assertThat(plain.headers().contains("content-length")).isFalse();
      assertThat(plain.headers().contains("upgrade")).isFalse();
    } finally {
      out.release();
      plain.release();
      client.release();
    }
  }
}
