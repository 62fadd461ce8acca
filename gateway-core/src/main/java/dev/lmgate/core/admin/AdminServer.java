package dev.lmgate.core.admin;

import dev.lmgate.core.tls.ServerTls;
import dev.lmgate.core.tls.TlsSettings;
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
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * The admin port: {@code /healthz} (the process serves), {@code /readyz} (LM Studio is reachable),
 * {@code /metrics} (Prometheus), and routes the application adds ({@code /approvals}). Separate
 * from the API port so that it can be firewalled apart.
 *
 * <p>Probes never wait behind admin work: {@code /healthz} and {@code /metrics} are answered on the
 * event loop (they only read counters), {@code /readyz} on its own thread (one connection attempt,
 * shared by concurrent probes), and the application's routes — which may take long, such as
 * verifying the whole audit log — on a separate, bounded pool: when its threads are busy and its
 * queue is full, a route gets {@code 503 admin_busy} with {@code Retry-After} at once, so admin
 * work cannot pile up without limit.
 */
public final class AdminServer implements AutoCloseable {
  private static final String JSON = "application/json";

  private final String host;
  private final int port;
  private final GatewayMetrics metrics;
  private final BooleanSupplier ready;
  private final Options options;
  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

  /** The readiness probe opens a connection and waits: never on the event loop, never queued. */
  private final ExecutorService probes =
      Executors.newSingleThreadExecutor(named("lmgate-readiness"));

  /** The readiness probe in flight, which concurrent {@code /readyz} requests share. */
  private final AtomicReference<CompletableFuture<Boolean>> probe = new AtomicReference<>();

  /** The application's routes: bounded threads and a bounded queue, refusing beyond. */
  private final ThreadPoolExecutor operations;

  private ServerTls tls; // null: plain HTTP
  private Channel channel;

  /**
   * How the admin port serves besides its address.
   *
   * @param tls TLS for the port (the API port's settings and rules), or {@code null} for plain HTTP
   * @param metricsGuard decides from a {@code /metrics} request's headers (lower-case names)
   *     whether it may scrape: an error answer, or empty when it may; {@code null} for open
   *     metrics. Runs on the event loop: it must only compare, never block
   * @param operationThreads threads for the application's routes (at least 1)
   * @param operationQueue routes waiting for a thread beyond which {@code 503 admin_busy} answers
   */
  public record Options(
      TlsSettings tls,
      Function<Map<String, String>, Optional<Answer>> metricsGuard,
      int operationThreads,
      int operationQueue) {
    /** Plain HTTP, open metrics, two threads for routes and eight waiting. */
    public static final Options DEFAULTS = new Options(null, null, 2, 8);

    public Options {
      if (operationThreads < 1) {
        throw new IllegalArgumentException(
            "operationThreads: " + operationThreads + " (expected: >= 1)");
      }
      if (operationQueue < 0) {
        throw new IllegalArgumentException(
            "operationQueue: " + operationQueue + " (expected: >= 0)");
      }
    }
  }

  /**
   * An extra admin route (approvals, ...): called off the event loop, on the admin pool, with the
   * request's method, path, headers (lower-case names), body and the peer's address ({@code
   * host:port}, from the connection, not from anything the caller sends); returns the status and a
   * JSON body.
   */
  @FunctionalInterface
  public interface Route {
    Answer handle(
        String method, String path, Map<String, String> headers, String body, String client);
  }

  /** An admin route's answer. */
  public record Answer(int status, String json) {}

  private final Map<String, Route> routes = new ConcurrentHashMap<>();

  public AdminServer(String host, int port, GatewayMetrics metrics, BooleanSupplier ready) {
    this(host, port, metrics, ready, Options.DEFAULTS);
  }

  public AdminServer(
      String host, int port, GatewayMetrics metrics, BooleanSupplier ready, Options options) {
    this.host = host;
    this.port = port;
    this.metrics = metrics;
    this.ready = ready;
    this.options = options;
    BlockingQueue<Runnable> queue =
        options.operationQueue() == 0
            ? new SynchronousQueue<>()
            : new ArrayBlockingQueue<>(options.operationQueue());
    this.operations =
        new ThreadPoolExecutor(
            options.operationThreads(),
            options.operationThreads(),
            0,
            TimeUnit.MILLISECONDS,
            queue,
            named("lmgate-admin"),
            new ThreadPoolExecutor.AbortPolicy());
  }

  /** Serves {@code prefix} and everything under it with {@code route}. */
  public AdminServer route(String prefix, Route route) {
    routes.put(prefix, route);
    return this;
  }

  /**
   * A component {@code /readyz} reports beside LM Studio (an engine replicas share): its state in
   * one word, and whether that state leaves this replica ready to serve.
   */
  public record Component(
      String name,
      java.util.function.Supplier<String> state,
      java.util.function.Predicate<String> ready) {}

  private final List<Component> components = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** Adds a component to {@code /readyz}. */
  public AdminServer component(Component c) {
    components.add(c);
    return this;
  }

  /** The body of {@code /readyz}: the verdict, why not, and each component's state. */
  private String readiness(boolean upstream) {
    StringBuilder parts = new StringBuilder();
    String reason = upstream ? null : "LM Studio is not reachable";
    for (Component c : components) {
      String state;
      try {
        state = c.state().get();
      } catch (RuntimeException e) {
        state = "unknown";
      }
      parts
          .append(parts.length() == 0 ? "" : ",")
          .append('"')
          .append(c.name())
          .append("\":\"")
          .append(state)
          .append('"');
      if (reason == null && !c.ready().test(state)) {
        reason = c.name() + " is " + state;
      }
    }
    String comps = components.isEmpty() ? "" : ",\"components\":{" + parts + "}";
    return reason == null
        ? "{\"status\":\"ready\"" + comps + "}"
        : "{\"status\":\"not ready\",\"reason\":\"" + reason + "\"" + comps + "}";
  }

  /**
   * Binds and returns the bound address; with TLS settings, loads the certificate first.
   *
   * @throws IOException when the TLS certificate or key cannot be loaded
   */
  public InetSocketAddress start() throws InterruptedException, IOException {
    if (options.tls() != null && tls == null) {
      tls = new ServerTls(options.tls()).watch();
    }
    ServerTls t = tls;
    channel =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    if (t != null) {
                      ch.pipeline().addLast("tls", t.newHandler(ch.alloc()));
                    }
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

  /** The port's TLS once started, or {@code null} for plain HTTP. */
  public ServerTls tls() {
    return tls;
  }

  /** A readiness probe: the one in flight if there is one, else a new one on the probe thread. */
  private CompletableFuture<Boolean> probeReadiness() {
    while (true) {
      CompletableFuture<Boolean> running = probe.get();
      if (running != null && !running.isDone()) {
        return running;
      }
      CompletableFuture<Boolean> next = new CompletableFuture<>();
      if (probe.compareAndSet(running, next)) {
        probes.execute(
            () -> {
              try {
                next.complete(ready.getAsBoolean());
              } catch (RuntimeException e) {
                next.complete(false);
              }
            });
        return next;
      }
    }
  }

  private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      String path = req.uri().split("\\?", 2)[0];
      switch (path) {
        case "/healthz" -> send(ctx, 200, JSON, "{\"status\":\"ok\"}", null);
        case "/metrics" -> {
          Optional<Answer> refused =
              options.metricsGuard() == null
                  ? Optional.empty()
                  : options.metricsGuard().apply(headers(req));
          if (refused.isPresent()) {
            send(ctx, refused.get().status(), JSON, refused.get().json(), null);
          } else {
            send(ctx, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape(), null);
          }
        }
        case "/readyz" -> {
          ctx.channel().config().setAutoRead(false); // answers stay in request order
          probeReadiness()
              .thenAcceptAsync(
                  ok -> {
                    String body = readiness(ok);
                    send(
                        ctx,
                        body.startsWith("{\"status\":\"ready\"") ? 200 : 503,
                        JSON,
                        body,
                        null);
                  },
                  ctx.executor());
        }
        default -> {
          Route route = null;
          for (Map.Entry<String, Route> e : routes.entrySet()) {
            if (path.equals(e.getKey()) || path.startsWith(e.getKey() + "/")) {
              route = e.getValue();
            }
          }
          if (route == null) {
            send(
                ctx,
                404,
                JSON,
                "{\"error\":{\"message\":\"Unknown admin route.\",\"type\":\"invalid_request_error\",\"code\":\"unknown_route\"}}",
                null);
            return;
          }
          operate(ctx, req, route, path);
        }
      }
    }

    /** Runs a route on the admin pool (the body copied out first: {@code req} is released). */
    private void operate(ChannelHandlerContext ctx, FullHttpRequest req, Route r, String path) {
      String method = req.method().name();
      Map<String, String> headers = headers(req);
      String body = req.content().toString(StandardCharsets.UTF_8);
      String client = peer(ctx);
      ctx.channel().config().setAutoRead(false); // answers stay in request order
      try {
        operations.execute(
            () -> {
              Answer a;
              try {
                a = r.handle(method, path, headers, body, client);
              } catch (RuntimeException | Error e) { // answered, never a silent drop
                a =
                    new Answer(
                        500,
                        "{\"error\":{\"message\":\"The admin route failed.\",\"type\":\"server_error\",\"code\":\"internal_error\"}}");
              }
              Answer done = a;
              ctx.executor().execute(() -> send(ctx, done.status(), JSON, done.json(), null));
            });
      } catch (RejectedExecutionException e) {
        send(
            ctx,
            503,
            JSON,
            "{\"error\":{\"message\":\"The admin port is busy with other operations; try again"
                + " shortly.\",\"type\":\"server_error\",\"code\":\"admin_busy\"}}",
            "1");
      }
    }

    private static String peer(ChannelHandlerContext ctx) {
      return ctx.channel().remoteAddress() instanceof InetSocketAddress a
          ? (a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress())
              + ":"
              + a.getPort()
          : String.valueOf(ctx.channel().remoteAddress());
    }

    private static Map<String, String> headers(FullHttpRequest req) {
      Map<String, String> headers = new HashMap<>();
      req.headers().forEach(h -> headers.put(h.getKey().toLowerCase(Locale.ROOT), h.getValue()));
      return headers;
    }

    private void send(
        ChannelHandlerContext ctx, int status, String type, String body, String retryAfter) {
      byte[] b = body.getBytes(StandardCharsets.UTF_8);
      FullHttpResponse res =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), Unpooled.wrappedBuffer(b));
      res.headers()
          .set(HttpHeaderNames.CONTENT_TYPE, type)
          .setInt(HttpHeaderNames.CONTENT_LENGTH, b.length);
      if (retryAfter != null) {
        res.headers().set(HttpHeaderNames.RETRY_AFTER, retryAfter);
      }
      ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
      ctx.channel().config().setAutoRead(true);
    }
  }

  private static java.util.concurrent.ThreadFactory named(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  @Override
  public void close() {
    if (channel != null) {
      channel.close().awaitUninterruptibly();
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    operations.shutdownNow();
    probes.shutdownNow();
    if (tls != null) {
      tls.close();
    }
  }
}
