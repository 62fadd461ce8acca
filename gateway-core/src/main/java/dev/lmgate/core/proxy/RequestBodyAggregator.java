package dev.lmgate.core.proxy;

import dev.lmgate.core.dialect.ErrorBodies;
import dev.lmgate.core.route.RouteTable;
import dev.lmgate.spi.Rejection;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/**
 * Aggregates a request body up to the configured limit; a larger body gets an API-shaped 413 and
 * the connection is closed (the rest of the body is never read).
 */
final class RequestBodyAggregator extends HttpObjectAggregator {

  RequestBodyAggregator(int maxBytes) {
    super(maxBytes, true);
  }

  @Override
  protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
    String path = oversized instanceof HttpRequest r ? r.uri() : "/";
    int q = path.indexOf('?');
    Rejection rej =
        new Rejection(
            413,
            "invalid_request_error",
            "request_too_large",
            "",
            "The request body exceeds the gateway's limit of " + maxContentLength() + " bytes.");
    byte[] body =
        ErrorBodies.render(RouteTable.dialectOfPath(q < 0 ? path : path.substring(0, q)), rej);
    FullHttpResponse res =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
            Unpooled.wrappedBuffer(body));
    res.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
  }
}
