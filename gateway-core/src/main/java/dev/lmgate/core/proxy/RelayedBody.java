package dev.lmgate.core.proxy;

import dev.lmgate.spi.ExchangeSummary.Decision;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.HttpContent;

/**
 * An answer nobody inspects, written as it arrives. When the audit listener holds answers until
 * they are recorded, the body runs one chunk behind, so that its last bytes wait for the record.
 */
final class RelayedBody implements ResponseBody {
  private final Exchange exchange;
  private final ChannelHandlerContext ctx;
  private final boolean holdLast;
  private ByteBuf heldChunk; // with holdLast: the latest chunk, not yet written

  RelayedBody(Exchange exchange, ChannelHandlerContext ctx, boolean holdLast) {
    this.exchange = exchange;
    this.ctx = ctx;
    this.holdLast = holdLast;
  }

  @Override
  public void onContent(HttpContent content, boolean last) {
    if (holdLast) {
      ByteBuf previous = heldChunk;
      heldChunk = content.content().isReadable() ? content.content().retain() : null;
      if (previous != null) {
        ctx.write(new DefaultHttpContent(previous)); // released by the write
      }
    } else if (content.content().isReadable()) {
      ctx.write(new DefaultHttpContent(content.content().retain())); // released by the write
    }
    content.release();
    if (!last) {
      return;
    }
    exchange.releaseUpstream();
    ByteBuf tail = heldChunk;
    heldChunk = null;
    exchange.commitThen(
        Decision.FORWARDED,
        () -> {
          if (tail != null) {
            ctx.write(new DefaultHttpContent(tail));
          }
          exchange.writeLast(Decision.FORWARDED);
        },
        () -> {
          if (tail != null) {
            tail.release();
          }
        });
  }

  @Override
  public void abandon() {
    if (heldChunk != null) {
      heldChunk.release();
      heldChunk = null;
    }
  }
}
