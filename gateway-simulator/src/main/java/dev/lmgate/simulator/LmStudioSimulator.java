package dev.lmgate.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for LM Studio's local server: serves the recorded fixtures on every route LM Studio
 * has, with its headers (Express, compact JSON, {@code text/event-stream} without charset, {@code
 * Keep-Alive: timeout=5}), streams split at arbitrary byte offsets, an optional pause between
 * pieces, scripted answers for tests, a record of what it received, and a count of streams the
 * client abandoned.
 */
public final class LmStudioSimulator implements AutoCloseable {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** A scripted answer. {@code pieces} are written one by one, {@code pauseMillis} apart. */
  public record Scripted(int status, String contentType, List<byte[]> pieces, long pauseMillis) {
    public static Scripted sse(long pauseMillis, String... events) {
      List<byte[]> l = new ArrayList<>();
      for (String e : events) {
        l.add(e.getBytes(StandardCharsets.UTF_8));
      }
      return new Scripted(200, "text/event-stream", l, pauseMillis);
    }

    public static Scripted json(int status, String body) {
      return new Scripted(
          status,
          "application/json; charset=utf-8",
          List.of(body.getBytes(StandardCharsets.UTF_8)),
          0);
    }
  }

  /** A request as the simulator received it. */
  public record Received(String method, String uri, Map<String, String> headers, byte[] body) {
    public String bodyText() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  private final Fixtures fixtures;
  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final Map<String, Scripted> scripts = new ConcurrentHashMap<>();
  private final Map<String, Scripted> phraseScripts = new ConcurrentHashMap<>();
  private final Map<String, java.util.function.Function<Received, Scripted>> responders =
      new ConcurrentHashMap<>();
  private final LinkedBlockingQueue<Received> received = new LinkedBlockingQueue<>();
  private final AtomicInteger abandonedStreams = new AtomicInteger();
  private volatile int splitBytes = 0;
  private volatile long streamPauseMillis = 0;
  private volatile long headDelayMillis = 0;
  private volatile String requiredKey; // null: no authentication, like LM Studio's default
  private Channel channel;

  public LmStudioSimulator(Fixtures fixtures) {
    this.fixtures = fixtures;
  }

  /** Starts on 127.0.0.1 and the given port (0: any). */
  public InetSocketAddress start(int port) throws InterruptedException {
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
                            new HttpObjectAggregator(64 << 20),
                            // LM Studio's SDK channel, answered by echoing text frames.
                            new io.netty.handler.codec.http.websocketx
                                .WebSocketServerProtocolHandler("/llm"),
                            new Handler(),
                            new WebSocketEcho());
                  }
                })
            .bind("127.0.0.1", port)
            .sync()
            .channel();
    return (InetSocketAddress) channel.localAddress();
  }

  public String baseUrl() {
    InetSocketAddress a = (InetSocketAddress) channel.localAddress();
    return "http://127.0.0.1:" + a.getPort();
  }

  /** Answers requests to {@code path} with {@code script} until cleared. */
  public void script(String path, Scripted script) {
    scripts.put(path, script);
  }

  /**
   * Answers requests to {@code path} with what {@code answer} makes of each request (a model that
   * echoes what it was sent), until cleared. Scripts set with {@link #script} win.
   */
  public void respond(String path, java.util.function.Function<Received, Scripted> answer) {
    responders.put(path, answer);
  }

  /**
   * Answers requests to {@code path} whose body contains {@code phrase} with {@code script}, until
   * cleared (the demo uses it to show a blocked stream).
   */
  public void scriptWhenBodyContains(String path, String phrase, Scripted script) {
    phraseScripts.put(path + "\u0000" + phrase, script);
  }

  public void clearScripts() {
    scripts.clear();
    responders.clear();
    phraseScripts.clear();
  }

  /** Splits streamed fixtures into pieces of this many bytes (0: one piece per event). */
  public void splitStreamsEvery(int bytes) {
    this.splitBytes = bytes;
  }

  /** Pauses between streamed pieces. */
  public void pauseBetweenPieces(long millis) {
    this.streamPauseMillis = millis;
  }

  /**
   * Answers 401 (LM Studio's error shape) unless a request carries {@code Authorization: Bearer
   * key}, like LM Studio with "Require authentication" on; {@code null} turns it off.
   */
  public void requireApiKey(String key) {
    this.requiredKey = key;
  }

  /** Waits this long before answering at all (a model loading, a long prompt being processed). */
  public void delayAnswers(long millis) {
    this.headDelayMillis = millis;
  }

  /** The next request received, waiting up to 5 s. */
  public Received takeRequest() throws InterruptedException {
    Received r = received.poll(5, TimeUnit.SECONDS);
    if (r == null) {
      throw new AssertionError("the simulator received no request");
    }
    return r;
  }

  public int pendingRequests() {
    return received.size();
  }

  /** Streams whose client went away before the last piece. */
  public int abandonedStreams() {
    return abandonedStreams.get();
  }

  @Override
  public void close() {
    if (channel != null) {
      channel.close().awaitUninterruptibly();
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
  }

  private static final class WebSocketEcho
      extends SimpleChannelInboundHandler<
          io.netty.handler.codec.http.websocketx.TextWebSocketFrame> {
    @Override
    protected void channelRead0(
        ChannelHandlerContext ctx,
        io.netty.handler.codec.http.websocketx.TextWebSocketFrame frame) {
      ctx.writeAndFlush(
          new io.netty.handler.codec.http.websocketx.TextWebSocketFrame("echo: " + frame.text()));
    }
  }

  private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) throws IOException {
      byte[] body = ByteBufUtil.getBytes(req.content());
      Map<String, String> headers = new java.util.LinkedHashMap<>();
      req.headers()
          .forEach(e -> headers.put(e.getKey().toLowerCase(java.util.Locale.ROOT), e.getValue()));
      Received got = new Received(req.method().name(), req.uri(), headers, body);
      received.add(got);
      String path = req.uri().split("\\?", 2)[0];
      String key = requiredKey;
      if (key != null && !("Bearer " + key).equals(headers.get("authorization"))) {
        send(
            ctx,
            Scripted.json(
                401,
                "{\"error\":{\"message\":\"Invalid API key\",\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}"));
        return;
      }
      Scripted s = scripts.get(path);
      if (s == null && !phraseScripts.isEmpty()) {
        String text = new String(body, StandardCharsets.UTF_8);
        for (Map.Entry<String, Scripted> e : phraseScripts.entrySet()) {
          String[] pathAndPhrase = e.getKey().split("\u0000", 2);
          if (pathAndPhrase[0].equals(path) && text.contains(pathAndPhrase[1])) {
            s = e.getValue();
            break;
          }
        }
      }
      if (s == null && responders.containsKey(path)) {
        s = responders.get(path).apply(got);
      }
      if (s != null) {
        send(ctx, s);
        return;
      }
      JsonNode json = body.length == 0 ? MAPPER.createObjectNode() : readOrEmpty(body);
      boolean stream = json.path("stream").asBoolean(false);
      boolean tools = json.has("tools");
      String name =
          switch (req.method().name() + " " + path) {
            case "GET /v1/models" -> "models.json";
            case "POST /v1/chat/completions", "POST /api/v0/chat/completions" ->
                stream
                    ? (tools
                        ? "chat-completion-stream-tool-call.sse"
                        : "chat-completion-stream.sse")
                    : (tools
                        ? "tool-call.json"
                        : path.startsWith("/api/v0")
                            ? "api-v0-chat-completion.json"
                            : "chat-completion.json");
            case "POST /v1/completions", "POST /api/v0/completions" ->
                stream ? "completion-stream.sse" : "completion.json";
            case "POST /v1/embeddings", "POST /api/v0/embeddings" -> "embeddings.json";
            case "POST /v1/responses" -> stream ? "responses-api-stream.sse" : "responses-api.json";
            case "POST /v1/messages" ->
                stream ? "anthropic-messages-stream.sse" : "anthropic-messages.json";
            case "POST /api/v1/chat" -> stream ? "api-v1-chat-stream.sse" : "api-v1-chat.json";
            case "GET /api/v1/models" -> "api-v1-models.json";
            case "GET /api/v0/models" -> "api-v0-models.json";
            case "GET /lmstudio-greeting" -> "lmstudio-greeting.json";
            default ->
                "error-unexpected-endpoint.json"; // LM Studio answers unknown routes with 200
          };
      byte[] bytes = fixtures.bytes(name);
      if (name.endsWith(".sse")) {
        send(ctx, new Scripted(200, "text/event-stream", pieces(bytes), streamPauseMillis));
      } else {
        send(ctx, new Scripted(200, "application/json; charset=utf-8", List.of(bytes), 0));
      }
    }

    private JsonNode readOrEmpty(byte[] body) {
      try {
        return MAPPER.readTree(body);
      } catch (IOException e) {
        return MAPPER.createObjectNode();
      }
    }

    private List<byte[]> pieces(byte[] bytes) {
      List<byte[]> l = new ArrayList<>();
      int n = splitBytes;
      if (n <= 0) {
        String s = new String(bytes, StandardCharsets.UTF_8);
        for (String ev : s.split("(?<=\n\n)")) {
          l.add(ev.getBytes(StandardCharsets.UTF_8));
        }
        return l;
      }
      for (int i = 0; i < bytes.length; i += n) {
        l.add(java.util.Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + n)));
      }
      return l;
    }

    private void send(ChannelHandlerContext ctx, Scripted s) {
      long delay = headDelayMillis;
      if (delay > 0) {
        ctx.executor().schedule(() -> sendNow(ctx, s), delay, TimeUnit.MILLISECONDS);
      } else {
        sendNow(ctx, s);
      }
    }

    private void sendNow(ChannelHandlerContext ctx, Scripted s) {
      if (!ctx.channel().isActive()) {
        abandonedStreams.incrementAndGet();
        return;
      }
      boolean sse = s.contentType().startsWith("text/event-stream");
      if (!sse) {
        byte[] b = s.pieces().isEmpty() ? new byte[0] : s.pieces().get(0);
        FullHttpResponse res =
            new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(s.status()),
                Unpooled.wrappedBuffer(b));
        res.headers()
            .set("X-Powered-By", "Express")
            .set("Content-Type", s.contentType())
            .setInt("Content-Length", b.length)
            .set("ETag", "W/\"" + Integer.toHexString(b.length) + "-sim\"")
            .set("Connection", "keep-alive")
            .set("Keep-Alive", "timeout=5");
        ctx.writeAndFlush(res);
        return;
      }
      HttpResponse head =
          new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(s.status()));
      head.headers()
          .set("X-Powered-By", "Express")
          .set("Content-Type", s.contentType())
          .set("Cache-Control", "no-cache")
          .set("Connection", "keep-alive");
      HttpUtil.setTransferEncodingChunked(head, true);
      ctx.writeAndFlush(head);
      writePiece(ctx, s, 0);
    }

    private void writePiece(ChannelHandlerContext ctx, Scripted s, int i) {
      if (!ctx.channel().isActive()) {
        abandonedStreams.incrementAndGet();
        return;
      }
      if (i == s.pieces().size()) {
        ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        return;
      }
      ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(s.pieces().get(i))));
      if (s.pauseMillis() > 0) {
        ctx.executor()
            .schedule(() -> writePiece(ctx, s, i + 1), s.pauseMillis(), TimeUnit.MILLISECONDS);
      } else {
        writePiece(ctx, s, i + 1);
      }
    }
  }
}
