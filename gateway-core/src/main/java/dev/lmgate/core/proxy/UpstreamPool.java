package dev.lmgate.core.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Keep-alive connections to LM Studio, one idle list per event loop: an exchange always uses a
 * connection on its client's loop, so relaying never crosses threads. A connection serves one
 * exchange at a time (no pipelining) and is closed, not pooled, after any incomplete exchange.
 */
public final class UpstreamPool {
  private final ServerSettings settings;
  private final Map<EventLoop, ArrayDeque<Channel>> idle = new ConcurrentHashMap<>();
  private final io.netty.handler.ssl.SslContext tls; // null: plain HTTP to LM Studio

  /**
   * @throws IllegalStateException when an {@code https://} upstream's trust settings do not load
   */
  public UpstreamPool(ServerSettings settings) {
    this.settings = settings;
    if (settings.upstreamTlsOn()) {
      dev.lmgate.core.tls.UpstreamTls t =
          settings.upstreamTls() != null
              ? settings.upstreamTls()
              : new dev.lmgate.core.tls.UpstreamTls(null, java.util.List.of());
      try {
        this.tls = t.context();
      } catch (java.io.IOException e) {
        throw new IllegalStateException(e.getMessage(), e);
      }
    } else {
      this.tls = null;
    }
  }

  /** A connection on {@code loop}: an idle pooled one, or a new one. Call on {@code loop}. */
  public Future<Channel> acquire(EventLoop loop) {
    ArrayDeque<Channel> q = idle.computeIfAbsent(loop, l -> new ArrayDeque<>());
    Channel ch;
    while ((ch = q.pollFirst()) != null) {
      if (ch.isActive()) {
        ch.attr(UpstreamHandler.REUSED).set(Boolean.TRUE);
        return loop.newSucceededFuture(ch);
      }
    }
    Promise<Channel> p = loop.newPromise();
    connect(loop)
        .addListener(
            f -> {
              if (f.isSuccess()) {
                Channel c = ((io.netty.channel.ChannelFuture) f).channel();
                c.closeFuture().addListener(cf -> q.remove(c)); // on the loop: the channel's own
                p.setSuccess(c);
              } else {
                p.setFailure(f.cause());
              }
            });
    return p;
  }

  /**
   * A new connection on {@code loop} that never joins the pool (a WebSocket upgrade's: it is
   * spliced to its client, then closed).
   */
  public Future<Channel> openUnpooled(EventLoop loop) {
    Promise<Channel> p = loop.newPromise();
    connect(loop)
        .addListener(
            f -> {
              if (f.isSuccess()) {
                p.setSuccess(((io.netty.channel.ChannelFuture) f).channel());
              } else {
                p.setFailure(f.cause());
              }
            });
    return p;
  }

  /** Opens a new connection on {@code loop} (also used by readiness checks). */
  public io.netty.channel.ChannelFuture connect(EventLoop loop) {
    Bootstrap b =
        new Bootstrap()
            .group(loop)
            .channel(Transport.socketChannel())
            .option(ChannelOption.AUTO_READ, false)
            // With auto-read off each read() is a single socket read, so the buffer size decides
            // how many event-loop turns (and client flushes) a burst from LM Studio takes: start
            // at 16 KiB (a whole small answer) instead of Netty's 2 KiB, adapt between 512 B and
            // 64 KiB.
            .option(
                ChannelOption.RCVBUF_ALLOCATOR,
                new io.netty.channel.AdaptiveRecvByteBufAllocator(512, 16 * 1024, 64 * 1024))
            .option(ChannelOption.TCP_NODELAY, true)
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.connectTimeout().toMillis())
            .handler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    if (tls != null) {
                      ch.pipeline()
                          .addLast(
                              "tls",
                              tls.newHandler(
                                  ch.alloc(), settings.upstreamHost(), settings.upstreamPort()));
                    }
                    ch.pipeline()
                        .addLast(
                            Pipelines.CLIENT_CODEC, new HttpClientCodec(8192, 64 * 1024, 64 * 1024))
                        .addLast(
                            Pipelines.IDLE,
                            new IdleStateHandler(
                                0,
                                0,
                                settings.upstreamIdleEvict().toMillis(),
                                TimeUnit.MILLISECONDS))
                        .addLast(Pipelines.UPSTREAM, new UpstreamHandler());
                  }
                });
    return b.connect(settings.upstreamHost(), settings.upstreamPort());
  }

  /** Returns a connection whose exchange completed cleanly. Call on the connection's loop. */
  public void release(Channel ch) {
    UpstreamHandler.detach(ch);
    if (!ch.isActive()) {
      return;
    }
    ArrayDeque<Channel> q = idle.computeIfAbsent(ch.eventLoop(), l -> new ArrayDeque<>());
    q.addFirst(ch); // most recently used first: fewer connections stay warm
    ch.read(); // notice a close by LM Studio while idle
  }

  /** Closes every idle connection (shutdown). */
  public void closeIdle() {
    idle.forEach(
        (loop, q) ->
            loop.execute(
                () -> {
                  Channel ch;
                  while ((ch = q.pollFirst()) != null) {
                    ch.close();
                  }
                }));
  }
}
