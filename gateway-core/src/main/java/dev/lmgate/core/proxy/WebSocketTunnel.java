package dev.lmgate.core.proxy;

import dev.lmgate.core.route.RouteTable;
import dev.lmgate.spi.Dialect;
import dev.lmgate.spi.Rejection;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.util.Set;

/**
 * After LM Studio accepted a WebSocket upgrade (101), the client and upstream connections are
 * spliced: HTTP handlers leave both pipelines and bytes flow as they are, with back-pressure (a
 * side stops reading while the other cannot take more). Either side closing closes both.
 */
final class WebSocketTunnel {
  /** The SDK channel namespaces LM Studio serves (lmstudio-api.md §8). */
  static final Set<String> NAMESPACES =
      Set.of(
          "/llm",
          "/embedding",
          "/system",
          "/diagnostics",
          "/files",
          "/repository",
          "/plugins",
          "/runtime");

  private WebSocketTunnel() {}

  /** Why an upgrade request is refused, and in which dialect's error shape. */
  record Refusal(Dialect dialect, Rejection rejection) {}

  /**
   * Whether a WebSocket upgrade may be tunnelled: only when enabled, and only a GET on one of the
   * SDK namespaces.
   *
   * @return the refusal, or {@code null} if the upgrade may go ahead
   */
  static Refusal refusal(boolean enabled, String method, String path) {
    if (!enabled) {
      return new Refusal(
          RouteTable.dialectOfPath(path),
          new Rejection(
              403,
              "permission_error",
              "websocket_disabled",
              "",
              "WebSocket connections (the LM Studio SDK channel) are disabled on this gateway"
                  + " (server.websocket: false); use the HTTP APIs (/v1, /api/v1)."));
    }
    if (!"GET".equals(method) || !NAMESPACES.contains(path)) {
      return new Refusal(
          Dialect.LMSTUDIO_V1,
          new Rejection(
              404,
              "invalid_request",
              "unknown_route",
              "",
              "WebSocket upgrades are served on LM Studio's SDK namespaces only "
                  + NAMESPACES
                  + "."));
    }
    return null;
  }

  /** Call on the shared event loop, from within the upstream's read of the 101 response. */
  static void splice(Channel client, Channel upstream) {
    client.pipeline().addLast("tunnel", new Relay(upstream));
    upstream.pipeline().addLast("tunnel", new Relay(client));
    // Decoders last: bytes they still hold are handed to the relay as they leave.
    upstream.pipeline().remove(Pipelines.UPSTREAM);
    upstream.pipeline().remove(Pipelines.IDLE);
    upstream.pipeline().remove(Pipelines.CLIENT_CODEC);
    client.pipeline().remove(Pipelines.PROXY);
    client.pipeline().remove(Pipelines.AGGREGATOR);
    client.pipeline().remove(Pipelines.DECODER);
    client.pipeline().remove(Pipelines.ENCODER);
    client.config().setAutoRead(true);
    upstream.config().setAutoRead(true);
  }

  /** Forwards bytes to the peer; HTTP leftovers (the 101's empty last content) are dropped. */
  private static final class Relay extends ChannelInboundHandlerAdapter {
    private final Channel peer;

    Relay(Channel peer) {
      this.peer = peer;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof ByteBuf)) {
        ReferenceCountUtil.release(msg);
        return;
      }
      peer.writeAndFlush(msg) // the write releases msg
          .addListener(
              f -> {
                if (!f.isSuccess()) {
                  ctx.channel().close();
                  peer.close();
                }
              });
      if (!peer.isWritable()) {
        ctx.channel().config().setAutoRead(false);
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (ctx.channel().isWritable()) {
        peer.config().setAutoRead(true);
      }
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      peer.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER)
          .addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
