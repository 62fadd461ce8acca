package dev.lmgate.core.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The admin port: {@code /healthz} (the process serves), {@code /readyz} (LM Studio is reachable),
 * {@code /metrics} (Prometheus), and routes the application adds ({@code /approvals}). Separate
 * from the API port so that it can be firewalled apart.
 */
public final class AdminServer implements AutoCloseable {
  private final String host;
  private final int port;
  private final GatewayMetrics metrics;
  private final BooleanSupplier ready;
  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

  /**
   * Readiness probes open a connection and wait, and extra routes may block: never on the event
   * loop.
   */
  private final Executor probes =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "lmgate-readiness");
            t.setDaemon(true);
            return t;
          });

  private Channel channel;

  /**
   * An extra admin route (approvals, ...): called off the event loop with the request's method,
   * path, headers (lower-case names) and body; returns the status and a JSON body.
   */
  @FunctionalInterface
  public interface Route {
    Answer handle(String method, String path, java.util.Map<String, String> headers, String body);
  }

  /** An admin route's answer. */
  public record Answer(int status, String json) {}

  private final java.util.Map<String, Route> routes =
      new java.util.concurrent.ConcurrentHashMap<>();

  public AdminServer(String host, int port, GatewayMetrics metrics, BooleanSupplier ready) {
    this.host = host;
    this.port = port;
    this.metrics = metrics;
    this.ready = ready;
  }

  /** Serves {@code prefix} and everything under it with {@code route}. */
  public AdminServer route(String prefix, Route route) {
    routes.put(prefix, route);
    return this;
  }

  public InetSocketAddress start() throws InterruptedException {
    channel =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline()
                        .addLast(
                            new HttpServerCodec(),
                            new HttpServerKeepAliveHandler(),
                            new HttpObjectAggregator(64 * 1024),
                            new Handler());
                  }
                })
            .bind(host, port)
            .sync()
            .channel();
    return (InetSocketAddress) channel.localAddress();
  }

  private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      String path = req.uri().split("\\?", 2)[0];
      switch (path) {
        case "/healthz" -> send(ctx, 200, "application/json", "{\"status\":\"ok\"}");
        case "/metrics" ->
            send(ctx, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape());
        case "/readyz" ->
            probes.execute(
                () -> {
                  boolean ok = ready.getAsBoolean();
                  ctx.executor()
                      .execute(
                          () ->
                              send(
                                  ctx,
                                  ok ? 200 : 503,
                                  "application/json",
                                  ok
                                      ? "{\"status\":\"ready\"}"
                                      : "{\"status\":\"not ready\",\"reason\":\"LM Studio is not reachable\"}"));
                });
        default -> {
          Route route = null;
          for (java.util.Map.Entry<String, Route> e : routes.entrySet()) {
            if (path.equals(e.getKey()) || path.startsWith(e.getKey() + "/")) {
              route = e.getValue();
            }
          }
          if (route != null) {
            Route r = route;
            String method = req.method().name();
            java.util.Map<String, String> headers = new java.util.HashMap<>();
            req.headers()
                .forEach(
                    h -> headers.put(h.getKey().toLowerCase(java.util.Locale.ROOT), h.getValue()));
            String body = req.content().toString(StandardCharsets.UTF_8);
            probes.execute(
                () -> {
                  Answer a;
                  try {
                    a = r.handle(method, path, headers, body);
                  } catch (RuntimeException e) {
                    a =
                        new Answer(
                            500,
                            "{\"error\":{\"message\":\"The admin route failed.\",\"type\":\"server_error\",\"code\":\"internal_error\"}}");
                  }
                  Answer done = a;
                  ctx.executor()
                      .execute(() -> send(ctx, done.status(), "application/json", done.json()));
                });
            return;
          }
          send(
              ctx,
              404,
              "application/json",
              "{\"error\":{\"message\":\"Unknown admin route.\",\"type\":\"invalid_request_error\",\"code\":\"unknown_route\"}}");
        }
      }
    }

    private void send(ChannelHandlerContext ctx, int status, String type, String body) {
      byte[] b = body.getBytes(StandardCharsets.UTF_8);
      FullHttpResponse res =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), Unpooled.wrappedBuffer(b));
      res.headers()
          .set(HttpHeaderNames.CONTENT_TYPE, type)
          .setInt(HttpHeaderNames.CONTENT_LENGTH, b.length);
      ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    }
  }

  @Override
  public void close() {
    if (channel != null) {
      channel.close().awaitUninterruptibly();
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
  }
}
