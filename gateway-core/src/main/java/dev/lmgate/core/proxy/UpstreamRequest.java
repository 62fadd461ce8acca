package dev.lmgate.core.proxy;

import dev.lmgate.spi.Secret;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;

/**
 * The request lmgate sends LM Studio for a client's request: end-to-end headers copied, {@code
 * Host} set to LM Studio's, and the credential swapped. A caller the gateway authenticated (or any
 * caller, once LM Studio has a key of its own) never has its credential forwarded; LM Studio gets
 * its own key instead, when one is configured.
 */
final class UpstreamRequest {
  private static final AsciiString HOST = AsciiString.cached("host");
  private static final AsciiString CONTENT_LENGTH = AsciiString.cached("content-length");
  private static final AsciiString EXPECT = AsciiString.cached("expect");
  private static final AsciiString X_API_KEY = AsciiString.cached("x-api-key");

  private UpstreamRequest() {}

  /**
   * @param client the client's request (its headers, method and URI are read, its body is not)
   * @param body what to send as the body; the returned request owns it
   * @param authority LM Studio's {@code host:port}
   * @param authenticated whether the gateway authenticated the caller
   * @param upstreamKey LM Studio's own key, or null
   * @param upgrade whether this asks LM Studio for a WebSocket upgrade
   */
  static FullHttpRequest of(
      FullHttpRequest client,
      ByteBuf body,
      String authority,
      boolean authenticated,
      Secret upstreamKey,
      boolean upgrade) {
    FullHttpRequest out =
        new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, client.method(), client.uri(), body);
    HopByHop.copy(client.headers(), out.headers(), HOST, CONTENT_LENGTH, EXPECT);
    out.headers().set(HttpHeaderNames.HOST, authority);
    if (authenticated || upstreamKey != null) {
      // The client's credential was the gateway's to check; LM Studio never sees it.
      out.headers().remove(HttpHeaderNames.AUTHORIZATION).remove(X_API_KEY);
    }
    if (upstreamKey != null) {
      out.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + upstreamKey.reveal());
    }
    if (upgrade) {
      out.headers()
          .set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET)
          .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
    }
    if (body.isReadable()
        || client.headers().contains(HttpHeaderNames.CONTENT_LENGTH)
        || client.method() == HttpMethod.POST) {
      out.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
    }
    return out;
  }
}
