package dev.lmgate.core.proxy;

import dev.lmgate.core.admin.GatewayMetrics;
import dev.lmgate.core.chain.FilterChain;
import dev.lmgate.core.route.RouteTable;
import dev.lmgate.core.tls.ServerTls;
import dev.lmgate.spi.ExchangeListener;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's HTTP/1.1 listener. The filter chain is read per exchange from {@code chain}, so a
 * reloaded config applies to new requests while running ones finish with the chain they began with.
 */
public final class GatewayServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GatewayServer.class);

  private final GatewayContext gw;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private Channel serverChannel;
  private ServerTls tls; // null: plain HTTP

  public GatewayServer(
      ServerSettings settings,
      Supplier<FilterChain> chain,
      GatewayMetrics metrics,
      ExchangeListener listener,
      Clock clock,
      int workerThreads) {
    this(settings, chain, metrics, listener, clock, workerThreads, null);
  }

  /**
   * @param upstreamKey the API key LM Studio requires (sent as {@code Authorization: Bearer}, in
   *     place of any client credential), read per request so that a rotated key applies at once; or
   *     {@code null}
   */
  public GatewayServer(
      ServerSettings settings,
      Supplier<FilterChain> chain,
      GatewayMetrics metrics,
      ExchangeListener listener,
      Clock clock,
      int workerThreads,
      UpstreamKey upstreamKey) {
    this.gw =
        new GatewayContext(
            settings,
            RouteTable.lmStudio(),
            chain,
            new UpstreamPool(settings),
            metrics,
            listener,
            clock,
            requestIds(),
            upstreamKey);
    this.boss = Transport.group(1);
    this.workers = Transport.group(workerThreads);
  }

  /**
   * Request ids: a random per-process prefix and a counter; unique, cheap, not guessable across
   * restarts.
   */
  static Supplier<String> requestIds() {
    byte[] seed = new byte[6];
    new SecureRandom().nextBytes(seed);
    String prefix = HexFormat.of().formatHex(seed);
    AtomicLong n = new AtomicLong();
    return () -> prefix + "-" + Long.toHexString(n.incrementAndGet());
  }

  /** Binds and returns the bound address; with TLS settings, loads the certificate first. */
  public InetSocketAddress start() throws InterruptedException {
    ServerSettings s = gw.settings();
    if (s.tls() != null && tls == null) {
      try {
        tls = new ServerTls(s.tls()).watch();
      } catch (java.io.IOException e) {
        throw new IllegalStateException(e.getMessage(), e);
      }
    }
    ServerBootstrap b =
        new ServerBootstrap()
            .group(boss, workers)
            .channel(Transport.serverChannel())
            .option(ChannelOption.SO_BACKLOG, 1024)
            .childOption(ChannelOption.AUTO_READ, false)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    HttpDecoderConfig decoder =
                        new HttpDecoderConfig()
                            .setMaxInitialLineLength(8192)
                            .setMaxHeaderSize(32 * 1024)
                            .setMaxChunkSize(64 * 1024)
                            .setAllowDuplicateContentLengths(false)
                            .setValidateHeaders(true);
                    if (tls != null) {
                      ch.pipeline().addLast("tls", tls.newHandler(ch.alloc()));
                    }
                    ch.pipeline()
                        .addLast(Pipelines.DECODER, new HttpRequestDecoder(decoder))
                        .addLast(Pipelines.ENCODER, new HttpResponseEncoder())
                        .addLast(
                            Pipelines.AGGREGATOR, new RequestBodyAggregator(s.maxRequestBytes()))
                        .addLast(Pipelines.PROXY, new ProxyHandler(gw));
                  }
                });
    serverChannel = b.bind(s.host(), s.port()).sync().channel();
    return (InetSocketAddress) serverChannel.localAddress();
  }

  /** The listener's TLS, or {@code null} for plain HTTP (tests trigger a reload through it). */
  public ServerTls tls() {
    return tls;
  }

  /** Readiness: whether LM Studio accepts a TCP connection now. */
  public boolean upstreamReachable(long timeoutMillis) {
    try {
      var f = gw.pool().connect((io.netty.channel.EventLoop) workers.next());
      boolean ok = f.await(timeoutMillis) && f.isSuccess();
      f.channel().close();
      return ok;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Stops accepting, lets in-flight exchanges (streams included) finish until the drain deadline,
   * then closes everything.
   */
  @Override
  public void close() {
    if (serverChannel != null) {
      serverChannel.close().awaitUninterruptibly();
    }
    long deadline = System.nanoTime() + gw.settings().drainTimeout().toNanos();
    while (gw.metrics().inFlight().get() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(20); // shutdown path only; not on an event loop
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    int left = gw.metrics().inFlight().get();
    if (left > 0) {
      log.warn("shutdown: {} exchanges still running at the drain deadline are cut", left);
    }
    gw.pool().closeIdle();
    if (tls != null) {
      tls.close();
    }
    boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
  }
}
