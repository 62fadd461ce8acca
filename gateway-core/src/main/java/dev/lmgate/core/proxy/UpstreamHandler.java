package dev.lmgate.core.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;

/**
 * Hands upstream→gateway messages to the exchange that owns the connection. A pooled connection
 * without an exchange must stay silent: anything it receives (or its idle timeout) closes it.
 */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {

  /** The listener of an attached exchange. */
  interface Sink {
    /** Takes ownership of {@code msg}. */
    void upstreamRead(HttpObject msg);

    void upstreamReadComplete();

    void upstreamClosed();

    void upstreamFailed(Throwable cause);
  }

  static final AttributeKey<Sink> SINK = AttributeKey.valueOf("lmgate.sink");
  static final AttributeKey<Boolean> REUSED = AttributeKey.valueOf("lmgate.reused");

  static void attach(Channel ch, Sink sink) {
    ch.attr(SINK).set(sink);
  }

  static void detach(Channel ch) {
    ch.attr(SINK).set(null);
  }

  static boolean reused(Channel ch) {
    return Boolean.TRUE.equals(ch.attr(REUSED).get());
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    Sink sink = ctx.channel().attr(SINK).get();
    if (sink == null || !(msg instanceof HttpObject)) {
      ReferenceCountUtil.release(msg); // nobody owns it: drop it and the connection
      ctx.close();
      return;
    }
    sink.upstreamRead((HttpObject) msg); // the sink owns msg now
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    Sink sink = ctx.channel().attr(SINK).get();
    if (sink != null) {
      sink.upstreamReadComplete();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    Sink sink = ctx.channel().attr(SINK).getAndSet(null);
    if (sink != null) {
      sink.upstreamClosed();
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent && ctx.channel().attr(SINK).get() == null) {
      ctx.close(); // idle in the pool: evict before LM Studio's keep-alive timer does
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    Sink sink = ctx.channel().attr(SINK).getAndSet(null);
    ctx.close();
    if (sink != null) {
      sink.upstreamFailed(cause);
    }
  }
}
