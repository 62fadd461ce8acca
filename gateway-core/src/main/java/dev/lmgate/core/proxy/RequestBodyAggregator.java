package dev.lmgate.core.proxy;

import dev.lmgate.core.route.RouteTable;
import dev.lmgate.spi.Rejection;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;

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
    FullHttpResponse res =
        ErrorResponses.of(RouteTable.dialectOfPath(q < 0 ? path : path.substring(0, q)), rej, true);
    ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
  }
}
