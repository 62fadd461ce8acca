package dev.lmgate.core.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lmgate.core.chain.ChainResult;
import dev.lmgate.core.chain.FilterChain;
import dev.lmgate.core.chain.RequestContext;
import dev.lmgate.core.chain.ResponseContext;
import dev.lmgate.core.dialect.StreamAdapter;
import dev.lmgate.core.dialect.UsageReader;
import dev.lmgate.core.json.Json;
import dev.lmgate.core.stream.StreamGuard;
import dev.lmgate.spi.Dialect;
import dev.lmgate.spi.ExchangeSummary;
import dev.lmgate.spi.ExchangeSummary.Decision;
import dev.lmgate.spi.FilterOutcome;
import dev.lmgate.spi.GatewayFilter;
import dev.lmgate.spi.Rejection;
import dev.lmgate.spi.Route;
import dev.lmgate.spi.TokenUsage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One request and its answer: client→gateway request, request filters, gateway→upstream request,
 * upstream→gateway response, response or stream filters, gateway→client response. Everything runs
 * on the client connection's event loop.
 *
 * <p>Buffer ownership: the exchange owns the client request until it is forwarded (then the
 * upstream write releases it) or answered locally; each upstream message it receives is either
 * written to the client (the write releases it) or released here.
 */
final class Exchange implements UpstreamHandler.Sink {
  private static final Logger log = LoggerFactory.getLogger(Exchange.class);
  private static final Logger access = LoggerFactory.getLogger("lmgate.access");
  private static final AsciiString REQUEST_ID = AsciiString.cached("x-request-id");

  /** A bug in lmgate, not the client's fault; the message reveals nothing internal. */
  private static final Rejection GATEWAY_ERROR =
      new Rejection(
          500, "server_error", "gateway_error", "", "The gateway failed to process the exchange.");

  /** The audit log cannot take records: answers are withheld rather than left unrecorded. */
  private static final Rejection AUDIT_UNAVAILABLE =
      new Rejection(
              503,
              "server_error",
              "audit_unavailable",
              "",
              "The gateway cannot record this exchange in its audit log; try again later.")
          .withHeader("retry-after", "5");

  /** How the response travels to the client. */
  private enum Mode {
    RELAY,
    GUARDED_STREAM,
    BUFFERED,
    /** LM Studio's 401 to a key about to be re-read: consumed, never shown to the client. */
    DISCARD
  }

  private final GatewayContext gw;
  private final ChannelHandlerContext ctx;
  private final ProxyHandler handler;
  private FullHttpRequest request; // owned until forwarded or answered; null after
  private final String requestId;
  private final long startNanos;
  private final Instant startTime;
  private boolean keepAlive; // false after an internal failure
  private final String path;
  private final List<FilterOutcome> trace = new ArrayList<>(4);
  private final FilterChain chain;
  private final String method;

  /** A WebSocket upgrade: a fresh upstream connection, spliced to the client after a 101. */
  private boolean tunnel;

  private boolean tunnelled;

  private Route route;
  private RequestContext requestCtx;
  private Channel upstream;
  private boolean retried;
  private Mode mode;
  private boolean responseStarted; // the status line went to the client
  private boolean streamFlushed; // a guarded stream's first released bytes were flushed
  private boolean upstreamComplete;
  private boolean finished;
  private int status;
  private final UpstreamDeadlines deadlines;
  private StreamGuard guard;
  private HttpResponse bufferedHead;
  private ByteArrayOutputStream bufferedBody;
  private boolean streaming;
  private boolean streamCounted;
  private TokenUsage bufferedUsage; // set once a buffered answer is parsed

  /** Whether a filter wants the answer (decided once the request filters have run). */
  private boolean inspected;

  private boolean usageAskedByGateway;
  private List<dev.lmgate.spi.OutputText> delivered = List.of(); // a buffered answer's texts
  private ExchangeSummary recorded; // set once the listener has the exchange
  private boolean holdAnswers; // the listener wants answers' last bytes held until recorded
  private boolean
      keyRetried; // LM Studio refused the key once; it was re-read and the request resent
  private ByteBuf heldChunk; // RELAY with holdAnswers: the latest chunk, not yet written
  private Dialect failDialect; // the dialect of a pending error answer

  Exchange(
      GatewayContext gw, ChannelHandlerContext ctx, ProxyHandler handler, FullHttpRequest request) {
    this.gw = gw;
    this.ctx = ctx;
    this.handler = handler;
    this.request = request;
    this.method = request.method().name();
    this.requestId = gw.ids().get();
    this.startNanos = System.nanoTime();
    this.startTime = gw.clock().instant();
    this.keepAlive = HttpUtil.isKeepAlive(request);
    String uri = request.uri();
    int q = uri.indexOf('?');
    this.path = q < 0 ? uri : uri.substring(0, q);
    this.chain = gw.chain().get();
    this.deadlines =
        new UpstreamDeadlines(
            ctx.executor(),
            gw.settings().firstByteTimeout(),
            gw.settings().idleTimeout(),
            message -> {
              if (!finished && !upstreamComplete) {
                upstreamError(504, message);
              }
            });
    gw.metrics().inFlight().incrementAndGet();
  }

  // ---------------------------------------------------------------- client→gateway

  void start() {
    RequestAdmission.Result admission =
        RequestAdmission.admit(
            request,
            path,
            requestId,
            gw.routes(),
            gw.settings().allowWebSocket(),
            !chain.filters().isEmpty() || gw.listener().capturesPayloads(),
            handler.clientAddress(ctx),
            chain.filters().isEmpty() ? Long.MAX_VALUE : gw.settings().maxScanChars());
    if (admission instanceof RequestAdmission.Refused refused) {
      route = refused.route();
      reject(refused.dialect(), refused.rejection(), Decision.REJECTED);
      return;
    }
    RequestAdmission.Admitted admitted = (RequestAdmission.Admitted) admission;
    requestCtx = admitted.context();
    requestCtx.clientCertificate(handler.clientCertificate(ctx));
    requestCtx.scanDeadline(startNanos + gw.settings().maxScanTime().toNanos());
    route = requestCtx.route();
    tunnel = admitted.tunnel();
    streaming = requestCtx.conversation().stream();
    runRequestFilters();
  }

  private void runRequestFilters() {
    if (chain.filters().isEmpty()) {
      beforeForward();
      return;
    }
    chain
        .runRequest(requestCtx, ctx.executor(), trace::add)
        .whenComplete(
            (res, err) -> {
              // The runner completes on the loop; guard anyway so that a bug cannot cross threads.
              if (ctx.executor().inEventLoop()) {
                afterRequestFilters(res, err);
              } else {
                ctx.executor().execute(() -> afterRequestFilters(res, err));
              }
            });
  }

  private void afterRequestFilters(ChainResult res, Throwable err) {
    if (finished) {
      releaseRequest();
      return;
    }
    if (err != null) {
      log.error("filter chain failed", err);
      reject(route.dialect(), GATEWAY_ERROR, Decision.REJECTED);
      return;
    }
    if (res.blocked()) {
      reject(route.dialect(), res.rejection(), Decision.BLOCKED_REQUEST);
      return;
    }
    beforeForward();
  }

  /** The request passed its filters: decide how to treat the answer, then send it. */
  private void beforeForward() {
    if (gw.listener().refusesRequests()) {
      reject(route.dialect(), AUDIT_UNAVAILABLE, Decision.REJECTED);
      return;
    }
    inspected = gw.listener().capturesAnswer(requestCtx) || chain.inspectsResponse(requestCtx);
    holdAnswers = gw.listener().holdsAnswers();
    if (streaming && inspected) {
      usageAskedByGateway = requestCtx.askForStreamUsage();
    }
    forward();
  }

  // ---------------------------------------------------------------- gateway→upstream

  private void forward() {
    io.netty.util.concurrent.Future<Channel> conn;
    if (tunnel) {
      // An upgraded connection is never pooled, and never taken from the pool.
      io.netty.util.concurrent.Promise<Channel> p = ctx.executor().newPromise();
      gw.pool()
          .connect(ctx.channel().eventLoop())
          .addListener(
              (io.netty.channel.ChannelFutureListener)
                  cf -> {
                    if (cf.isSuccess()) {
                      p.setSuccess(cf.channel());
                    } else {
                      p.setFailure(cf.cause());
                    }
                  });
      conn = p;
    } else {
      conn = gw.pool().acquire(ctx.channel().eventLoop());
    }
    conn.addListener(
        f -> {
          if (finished) {
            if (f.isSuccess()) {
              releaseChannel((Channel) f.getNow());
            }
            releaseRequest();
            return;
          }
          if (!f.isSuccess()) {
            upstreamUnavailable(
                "LM Studio is not reachable at " + gw.settings().upstreamAuthority() + ".");
            return;
          }
          send((Channel) f.getNow());
        });
  }

  private void send(Channel ch) {
    upstream = ch;
    UpstreamHandler.attach(ch, this);
    boolean reused = UpstreamHandler.reused(ch);
    ByteBuf body;
    if (requestCtx.modified()) {
      body = Unpooled.wrappedBuffer(Json.write(requestCtx.json().orElseThrow()));
    } else {
      // A retry on a fresh connection needs the body again: keep one reference until done.
      body = request.content().retainedDuplicate(); // released by the upstream write
    }
    FullHttpRequest out =
        UpstreamRequest.of(
            request,
            body,
            gw.settings().upstreamAuthority(),
            requestCtx.principal().isPresent(),
            gw.upstreamKeyNow(),
            tunnel);
    deadlines.sending();
    ch.writeAndFlush(out)
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                if (retryable(reused)) {
                  retry();
                } else if (!finished) {
                  ch.close();
                  upstreamUnavailable(
                      "The connection to LM Studio failed while sending the request.");
                }
                return;
              }
              if (!finished) {
                ch.read();
                deadlines.sent();
              }
            });
  }

  /**
   * Only an idempotent request on a reused connection that failed before any answer is retried,
   * once: LM Studio may have closed the idle connection. A POST is never retried — a generation may
   * already be running.
   */
  private boolean retryable(boolean reused) {
    return reused
        && !retried
        && mode == null
        && request != null
        && !finished
        && ("GET".equals(method) || "HEAD".equals(method));
  }

  private void retry() {
    retried = true;
    Channel old = upstream;
    upstream = null;
    UpstreamHandler.detach(old);
    old.close();
    forward();
  }

  // ---------------------------------------------------------------- upstream→gateway

  @Override
  public void upstreamRead(HttpObject msg) {
    if (finished) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof HttpResponse res) {
      if (!res.decoderResult().isSuccess()) {
        ReferenceCountUtil.release(msg);
        upstream.close();
        upstreamUnavailable("LM Studio sent a malformed response.");
        return;
      }
      onResponseHead(res);
    }
    if (msg instanceof HttpContent content) {
      onContent(content); // takes ownership
    } else if (!(msg instanceof HttpResponse)) {
      ReferenceCountUtil.release(msg);
    }
  }

  private void onResponseHead(HttpResponse res) {
    if (res.status().code() == 401 && !keyRetried && gw.upstreamKey() != null && !tunnel) {
      // LM Studio refused the gateway's key: perhaps rotated since the last refresh. Nothing was
      // generated, so after re-reading the key the request goes once more (any method).
      keyRetried = true;
      mode = Mode.DISCARD;
      return;
    }
    releaseRequest(); // no retry once LM Studio answered
    gw.metrics().upstreamLatency(route.id(), deadlines.firstByte()); // now idleness is checked
    status = res.status().code();
    if (tunnel && status == 101) {
      switchToTunnel(res);
      return;
    }
    String type = res.headers().get(HttpHeaderNames.CONTENT_TYPE, "");
    boolean sse = type.regionMatches(true, 0, "text/event-stream", 0, 17);
    List<StreamGuard.Entry> inspectors = sse ? streamInspectors() : List.of();
    List<StreamGuard.ReviewEntry> reviews = sse ? streamReviews() : List.of();
    if (sse
        && (!inspectors.isEmpty()
            || !reviews.isEmpty()
            || inspected
            || holdAnswers)) { // held: only the ending waits
      mode = Mode.GUARDED_STREAM;
      guard =
          new StreamGuard(
              StreamAdapter.forRoute(route),
              inspectors,
              gw.settings().maxSseEventBytes(),
              usageAskedByGateway);
      if (holdAnswers) {
        guard.holdEnding();
      }
      guard.reviewWith(
          reviews, ctx.executor(), this::onReviewStep, gw.settings().maxResponseBytes());
    } else if (!sse && inspected && status / 100 == 2) {
      mode = Mode.BUFFERED;
      bufferedHead = res;
      bufferedBody = new ByteArrayOutputStream();
      return;
    } else {
      mode = Mode.RELAY;
    }
    if (sse) {
      streaming = true;
      streamCounted = true;
      gw.metrics().streamStarted();
    }
    HttpResponse out = new DefaultHttpResponse(HttpVersion.HTTP_1_1, res.status());
    HopByHop.copy(
        res.headers(),
        out.headers(),
        mode == Mode.GUARDED_STREAM ? HttpHeaderNames.CONTENT_LENGTH : REQUEST_ID);
    if (mode == Mode.GUARDED_STREAM) {
      out.headers().remove(HttpHeaderNames.ETAG);
    }
    finishHead(out);
    ctx.write(out);
    responseStarted = true;
  }

  /** LM Studio accepted the upgrade: answer 101 and splice the two connections. */
  private void switchToTunnel(HttpResponse res) {
    deadlines.cancel();
    HttpResponse out = new DefaultHttpResponse(HttpVersion.HTTP_1_1, res.status());
    out.headers().set(res.headers()).set(REQUEST_ID, requestId);
    ctx.write(out); // encoded now, before the encoder leaves the pipeline
    Channel up = upstream;
    upstream = null;
    UpstreamHandler.detach(up);
    WebSocketTunnel.splice(ctx.channel(), up);
    ctx.channel().flush();
    upstreamComplete = true;
    tunnelled = true;
    finish(Decision.FORWARDED, false);
  }

  private List<StreamGuard.Entry> streamInspectors() {
    List<StreamGuard.Entry> l = new ArrayList<>();
    for (GatewayFilter f : chain.filters()) {
      f.streamInspector(requestCtx)
          .ifPresent(i -> l.add(new StreamGuard.Entry(f.id(), f.settings(), i)));
    }
    return l;
  }

  private List<StreamGuard.ReviewEntry> streamReviews() {
    List<StreamGuard.ReviewEntry> l = new ArrayList<>();
    for (GatewayFilter f : chain.filters()) {
      f.streamReview(requestCtx)
          .ifPresent(r -> l.add(new StreamGuard.ReviewEntry(f.id(), f.settings(), r)));
    }
    return l;
  }

  private void finishHead(HttpResponse out) {
    out.headers().set(REQUEST_ID, requestId);
    boolean bodyless = "HEAD".equals(method) || status == 204 || status == 304 || status / 100 == 1;
    if (!bodyless && !out.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
      HttpUtil.setTransferEncodingChunked(out, true);
    }
    if (!keepAlive) {
      out.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
  }

  private void onContent(HttpContent content) {
    deadlines.activity();
    boolean last = content instanceof LastHttpContent;
    if (last) {
      upstreamComplete = true;
      deadlines.cancel();
    }
    switch (mode) {
      case RELAY -> {
        if (holdAnswers) { // one chunk behind, so the last bytes wait for the record
          ByteBuf previous = heldChunk;
          heldChunk = content.content().isReadable() ? content.content().retain() : null;
          if (previous != null) {
            ctx.write(new DefaultHttpContent(previous)); // released by the write
          }
        } else if (content.content().isReadable()) {
          ctx.write(new DefaultHttpContent(content.content().retain())); // released by the write
        }
        content.release();
        if (last) {
          releaseUpstream();
          ByteBuf tail = heldChunk;
          heldChunk = null;
          commitThen(
              Decision.FORWARDED,
              () -> {
                if (tail != null) {
                  ctx.write(new DefaultHttpContent(tail));
                }
                writeLast();
              },
              () -> {
                if (tail != null) {
                  tail.release();
                }
              });
        }
      }
      case GUARDED_STREAM -> onStreamContent(content, last);
      case DISCARD -> {
        content.release();
        if (last) {
          releaseUpstream();
          gw.upstreamKey()
              .refresh()
              .whenComplete(
                  (changed, err) ->
                      ctx.executor()
                          .execute(
                              () -> {
                                if (finished) {
                                  releaseRequest();
                                  return;
                                }
                                mode = null;
                                status = 0;
                                upstreamComplete = false; // a new answer is awaited
                                forward(); // with the key as it is now; a second 401 is relayed
                              }));
        }
      }
      case BUFFERED -> {
        try {
          ByteBuf b = content.content();
          if (bufferedBody.size() + b.readableBytes() > gw.settings().maxResponseBytes()) {
            upstream.close();
            upstreamError(
                502,
                "The response is larger than the gateway inspects ("
                    + gw.settings().maxResponseBytes()
                    + " bytes).");
            return;
          }
          b.readBytes(bufferedBody, b.readableBytes());
        } catch (java.io.IOException e) {
          throw new IllegalStateException(e);
        } finally {
          content.release();
        }
        if (last) {
          releaseUpstream();
          inspectBufferedResponse();
        }
      }
    }
  }

  private void onStreamContent(HttpContent content, boolean last) {
    byte[] bytes = ByteBufUtil.getBytes(content.content());
    content.release();
    StreamGuard.Step step = guard.onBytes(bytes);
    if (last && !step.blocked()) {
      writeStreamBytes(step.release());
      step = guard.onEnd();
      if (!step.blocked() && !step.ended()) {
        releaseUpstream(); // LM Studio is done; the ending waits for a review (onReviewStep)
      }
    }
    onGuardStep(step);
  }

  /** What a stream review released, blocked or ended, on the loop after the review. */
  private void onReviewStep(StreamGuard.Step step) {
    if (finished) {
      return;
    }
    onGuardStep(step);
    ctx.flush();
  }

  private void onGuardStep(StreamGuard.Step step) {
    if (step.blocked()) {
      endBlockedStream(step.release(), step.blockedBy(), step.reason());
      return;
    }
    if (step.ended()) {
      byte[] ending = step.release(); // held until the exchange is recorded (strict audit)
      trace.addAll(guard.outcomes());
      releaseUpstream();
      commitThen(
          Decision.FORWARDED,
          () -> {
            writeStreamBytes(ending);
            writeLast();
          });
      return;
    }
    writeStreamBytes(step.release());
  }

  private void writeStreamBytes(byte[] bytes) {
    if (bytes.length > 0) {
      ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(bytes)));
      // The first text a guarded stream releases goes out at once: when LM Studio sends a burst,
      // the rest of it is inspected (and at its end recorded) before the read completes and
      // flushes, and the first token should not wait for that. Later bytes flush per read.
      if (!streamFlushed) {
        streamFlushed = true;
        ctx.flush();
      }
    }
  }

  /** Ends a stream the guard blocked: the ending is written, LM Studio stops generating. */
  private void endBlockedStream(byte[] ending, String filterId, String reason) {
    trace.addAll(guard.outcomes());
    if (!upstreamComplete && upstream != null) {
      UpstreamHandler.detach(upstream);
      upstream.close();
    }
    upstream = null;
    log.info("stream blocked by {}: {}", filterId, reason);
    commitThen(
        Decision.BLOCKED_RESPONSE,
        () -> {
          writeStreamBytes(ending);
          ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT)
              .addListener(f -> complete(Decision.BLOCKED_RESPONSE));
        });
  }

  private void writeLast() {
    ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT)
        .addListener(f -> complete(Decision.FORWARDED));
  }

  private void inspectBufferedResponse() {
    byte[] bytes = bufferedBody.toByteArray();
    bufferedBody = null;
    JsonNode json = Json.parse(bytes).orElse(null);
    if (json == null) {
      writeBuffered(bytes, false);
      return;
    }
    ResponseContext rc = new ResponseContext(requestCtx, status, json);
    bufferedUsage =
        UsageReader.complete(
            UsageReader.read(json),
            requestCtx.conversation(),
            rc.outputs().stream().mapToLong(o -> o.text().length()).sum());
    chain
        .runResponse(rc, ctx.executor(), trace::add)
        .whenComplete(
            (res, err) ->
                ctx.executor()
                    .execute(
                        () -> {
                          if (finished) {
                            return;
                          }
                          if (err != null) {
                            log.error("response filter chain failed", err);
                            respond(route.dialect(), GATEWAY_ERROR, Decision.BLOCKED_RESPONSE);
                          } else if (res.blocked()) {
                            respond(route.dialect(), res.rejection(), Decision.BLOCKED_RESPONSE);
                          } else {
                            delivered = rc.outputs();
                            writeBuffered(rc.modified() ? Json.write(json) : bytes, rc.modified());
                          }
                        }));
  }

  private void writeBuffered(byte[] bytes, boolean modified) {
    FullHttpResponse out =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, bufferedHead.status(), Unpooled.wrappedBuffer(bytes));
    HopByHop.copy(
        bufferedHead.headers(), out.headers(), HttpHeaderNames.CONTENT_LENGTH, REQUEST_ID);
    if (modified) {
      out.headers().remove(HttpHeaderNames.ETAG);
    }
    out.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
    finishHead(out);
    commitThen(
        Decision.FORWARDED,
        () -> {
          responseStarted = true;
          ctx.writeAndFlush(out).addListener(f -> complete(Decision.FORWARDED));
        },
        () -> out.release());
  }

  @Override
  public void upstreamReadComplete() {
    if (finished) {
      return;
    }
    ctx.flush();
    if (!upstreamComplete && upstream != null && ctx.channel().isWritable()) {
      upstream.read();
    }
  }

  /** The client can take more: resume reading from LM Studio. */
  void clientWritable() {
    if (!finished && !upstreamComplete && upstream != null) {
      upstream.read();
    }
  }

  @Override
  public void upstreamClosed() {
    if (finished || upstreamComplete) {
      return;
    }
    if (upstream != null && retryable(UpstreamHandler.reused(upstream))) {
      retry();
      return;
    }
    upstream = null;
    upstreamError(502, "LM Studio closed the connection before the response was complete.");
  }

  @Override
  public void upstreamFailed(Throwable cause) {
    if (finished || upstreamComplete) {
      return;
    }
    if (!(cause instanceof java.io.IOException)
        && !(cause instanceof io.netty.handler.codec.CodecException)) {
      internalFailure(cause); // thrown by the gateway's own code while handling LM Studio's answer
      return;
    }
    log.debug("upstream failed: {}", cause.toString());
    upstream = null;
    upstreamError(502, "The connection to LM Studio failed.");
  }

  // ---------------------------------------------------------------- endings

  /** LM Studio did not answer in time, closed early or failed. */
  private void upstreamError(int code, String message) {
    if (upstream != null) {
      UpstreamHandler.detach(upstream);
      upstream.close();
      upstream = null;
    }
    if (!responseStarted) {
      respond(
          route.dialect(),
          new Rejection(
              code,
              "server_error",
              code == 504 ? "upstream_timeout" : "upstream_error",
              "",
              message),
          Decision.UPSTREAM_ERROR);
      return;
    }
    // Headers are out: the only honest signal left is to cut the connection.
    if (guard != null) {
      trace.addAll(guard.outcomes());
    }
    status = status == 0 ? code : status;
    finish(Decision.UPSTREAM_ERROR, false);
    ctx.close();
  }

  private void upstreamUnavailable(String message) {
    upstreamError(502, message);
  }

  /**
   * Something in the gateway threw while serving this exchange (a bug, or an {@code Error} such as
   * a stack overflow in a filter outside the chain's protection): the client gets an API-shaped 500
   * when nothing went out yet, otherwise the connection is cut; either way the exchange is
   * recorded. A connection is never dropped without an answer or a record.
   */
  void internalFailure(Throwable cause) {
    if (finished) {
      return;
    }
    log.error("exchange {} failed inside the gateway: {}", requestId, cause.toString());
    if (upstream != null) {
      UpstreamHandler.detach(upstream);
      upstream.close();
      upstream = null;
    }
    if (!responseStarted) {
      keepAlive = false; // the connection's state is unknown after a failure
      respond(route == null ? Dialect.OPENAI : route.dialect(), GATEWAY_ERROR, Decision.REJECTED);
      return;
    }
    if (guard != null) {
      trace.addAll(guard.outcomes());
    }
    status = status == 0 ? 500 : status;
    finish(Decision.UPSTREAM_ERROR, false);
    ctx.close();
  }

  /** An answer from the gateway itself, before anything was forwarded. */
  private void reject(Dialect dialect, Rejection r, Decision decision) {
    releaseRequest();
    respond(dialect, r, decision);
  }

  private void respond(Dialect dialect, Rejection r, Decision decision) {
    releaseRequest();
    status = r.status();
    failDialect = dialect;
    commitThen(decision, () -> sendError(dialect, r, decision));
  }

  private void sendError(Dialect dialect, Rejection r, Decision decision) {
    FullHttpResponse res = ErrorResponses.of(dialect, r, !keepAlive);
    res.headers().set(REQUEST_ID, requestId);
    responseStarted = true;
    ctx.writeAndFlush(res).addListener(f -> complete(decision));
  }

  /**
   * Hands the exchange to the listener and runs {@code lastWrite} when it accepted the record (in
   * strict audit mode: when the record is durable). If the record cannot be kept, the answer is
   * withheld: a 503 when nothing went out yet, a cut connection (no stream terminator) otherwise.
   */
  private void commitThen(Decision decision, Runnable lastWrite) {
    commitThen(decision, lastWrite, () -> {});
  }

  private void commitThen(Decision decision, Runnable lastWrite, Runnable discard) {
    ExchangeSummary s = summary(decision);
    recorded = s;
    java.util.concurrent.CompletableFuture<Void> f;
    try {
      f = gw.listener().record(s).toCompletableFuture();
    } catch (RuntimeException e) {
      log.error("exchange listener failed", e);
      f = java.util.concurrent.CompletableFuture.failedFuture(e);
    }
    if (f.isDone() && !f.isCompletedExceptionally()) {
      lastWrite.run();
      return;
    }
    f.whenComplete(
        (v, err) ->
            ctx.executor()
                .execute(
                    () -> {
                      if (finished) {
                        discard.run();
                        return;
                      }
                      if (err == null) {
                        lastWrite.run();
                        return;
                      }
                      discard.run();
                      log.warn("answer withheld: its audit record could not be written");
                      if (!responseStarted) {
                        status = AUDIT_UNAVAILABLE.status();
                        sendError(
                            failDialect != null ? failDialect : route.dialect(),
                            AUDIT_UNAVAILABLE,
                            Decision.REJECTED);
                      } else {
                        finish(Decision.UPSTREAM_ERROR, false);
                        ctx.close();
                      }
                    }));
  }

  /** The client went away: stop LM Studio at once and drop what is held. */
  void clientGone() {
    if (finished) {
      return;
    }
    if (upstream != null) {
      UpstreamHandler.detach(upstream);
      upstream.close(); // LM Studio stops generating when its client socket closes
      upstream = null;
    }
    if (guard != null) {
      trace.addAll(guard.outcomes());
    }
    bufferedBody = null;
    releaseRequest();
    finish(Decision.CLIENT_ABORTED, false);
  }

  private void complete(Decision decision) {
    if (finished) {
      return;
    }
    finish(decision, keepAlive);
  }

  private void finish(Decision decision, boolean reuseClient) {
    finished = true;
    deadlines.cancel();
    if (guard != null) {
      guard.abandon(); // a review still running finds the exchange over
    }
    releaseRequest();
    if (heldChunk != null) {
      heldChunk.release();
      heldChunk = null;
    }
    if (streamCounted) {
      gw.metrics().streamEnded();
    }
    gw.metrics().inFlight().decrementAndGet();
    ExchangeSummary s = recorded;
    if (s == null) { // ended without a last write: recorded now, not waited for
      s = summary(decision);
      recorded = s;
      try {
        gw.listener().record(s);
      } catch (RuntimeException e) {
        log.error("exchange listener failed", e);
      }
    }
    gw.metrics().exchange(s);
    if (requestCtx != null) {
      chain.exchangeEnded(requestCtx, s);
    }
    if (gw.settings().accessLog() && access.isInfoEnabled()) {
      MDC.put("request_id", requestId);
      try {
        access.info(
            "{} {} {} {} {}us",
            method,
            RequestAdmission.printable(path),
            status,
            decision,
            s.nanos() / 1000);
      } finally {
        MDC.remove("request_id");
      }
    }
    if (tunnelled) {
      return; // the connection now belongs to the tunnel
    }
    handler.exchangeDone(ctx, this, reuseClient);
  }

  private ExchangeSummary summary(Decision decision) {
    return new ExchangeSummary(
        requestId,
        startTime,
        route,
        method,
        path,
        handler.clientAddress(ctx),
        status,
        decision,
        trace,
        streaming,
        System.nanoTime() - startNanos,
        requestCtx == null ? null : requestCtx.principal().orElse(null),
        requestCtx == null ? "" : requestCtx.conversation().model(),
        usage(),
        requestCtx == null ? null : requestCtx.conversation(),
        guard != null ? guard.delivered() : delivered);
  }

  /** What the exchange consumed, when its answer was inspected; otherwise {@code null}. */
  private TokenUsage usage() {
    if (guard != null) {
      return UsageReader.complete(guard.usage(), requestCtx.conversation(), guard.outputChars());
    }
    return bufferedUsage;
  }

  private void releaseUpstream() {
    if (upstream != null) {
      Channel ch = upstream;
      upstream = null;
      releaseChannel(ch);
    }
  }

  /** Back to the pool; a connection opened for an upgrade is closed instead. */
  private void releaseChannel(Channel ch) {
    if (tunnel) {
      UpstreamHandler.detach(ch);
      ch.close();
    } else {
      gw.pool().release(ch);
    }
  }

  private void releaseRequest() {
    if (request != null) {
      request.release();
      request = null;
    }
  }
}
