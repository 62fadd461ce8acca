package dev.lmgate.core.proxy;

import dev.lmgate.core.dialect.ErrorBodies;
import dev.lmgate.spi.Dialect;
import dev.lmgate.spi.Rejection;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/** Answers the gateway gives itself: the rejection in the dialect's error shape, as JSON. */
final class ErrorResponses {
  private ErrorResponses() {}

  /**
   * @param close whether the connection closes after this answer ({@code Connection: close})
   */
  static FullHttpResponse of(Dialect dialect, Rejection r, boolean close) {
    byte[] body = ErrorBodies.render(dialect, r);
    FullHttpResponse res =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            HttpResponseStatus.valueOf(r.status()),
            Unpooled.wrappedBuffer(body));
    res.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, "application/json; charset=utf-8")
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    r.headers().forEach(res.headers()::set);
    if (close) {
      res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    return res;
  }
}
