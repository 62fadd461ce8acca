package dev.lmgate.core.proxy;

import dev.lmgate.core.route.RouteTable;
import dev.lmgate.spi.Rejection;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Aggregates a request body up to the configured limit; a larger body gets an API-shaped 413 and
 * the connection ends: the gateway half-closes and discards what the client is still sending (at
 * most 1 MiB or 2 s) before closing, so that the 413 is not lost to a TCP reset while the client is
 * mid-upload. Nothing of the body is forwarded.
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
    ctx.writeAndFlush(res)
        .addListener(
            f -> {
              if (f.isSuccess()) {
                drainThenClose(ctx.channel());
              } else {
                ctx.close();
              }
            });
  }

  private static final long DRAIN_BYTES = 1 << 20;

  private static void drainThenClose(Channel ch) {
    if (!(ch instanceof DuplexChannel duplex) || !ch.isActive()) {
      ch.close();
      return;
    }
    ScheduledFuture<?> deadline = ch.eventLoop().schedule(() -> ch.close(), 2, TimeUnit.SECONDS);
    ch.closeFuture().addListener(x -> deadline.cancel(false));
    ch.pipeline()
        .addFirst(
            "drain-after-413",
            new ChannelInboundHandlerAdapter() {
              private long seen;

              @Override
              public void channelRead(ChannelHandlerContext c, Object msg) {
                if (msg instanceof ByteBuf b) {
                  seen += b.readableBytes();
                }
                ReferenceCountUtil.release(msg);
                if (seen > DRAIN_BYTES) {
                  c.close();
                }
              }

              @Override
              public void channelReadComplete(ChannelHandlerContext c) {
                c.read();
              }
            });
    duplex.shutdownOutput();
    ch.read();
  }
}
