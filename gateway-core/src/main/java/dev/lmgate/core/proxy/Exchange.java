package dev.lmgate.core.proxy;

import dev.lmgate.core.chain.ChainResult;
import dev.lmgate.core.chain.FilterChain;
import dev.lmgate.core.chain.RequestContext;
import dev.lmgate.core.chain.StreamPlan;
import dev.lmgate.core.dialect.StreamAdapter;
import dev.lmgate.core.stream.StreamGuard;
import dev.lmgate.spi.Dialect;
import dev.lmgate.spi.ExchangeSummary.Decision;
import dev.lmgate.spi.Rejection;
import dev.lmgate.spi.Route;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request and its answer: client→gateway request, request filters, gateway→upstream request,
 * upstream→gateway response, response or stream filters, gateway→client response. Everything runs
 * on the client connection's event loop. How the answer's body travels is a {@link ResponseBody};
 * the record is kept by the {@link ExchangeRecorder}; every ending goes through {@link #finish}.
 *
 * <p>Buffer ownership: the exchange owns the client request until it is forwarded (then the {@link
 * UpstreamCall} owns it) or answered locally; each part of the answer is either written to the
 * client (the write releases it) or released by its {@link ResponseBody}.
 */
final class Exchange implements UpstreamCall.Listener {
  private static final Logger log = LoggerFactory.getLogger(Exchange.class);
  static final AsciiString REQUEST_ID = AsciiString.cached("x-request-id");

  /** A bug in lmgate, not the client's fault; the message reveals nothing internal. */
  static final Rejection GATEWAY_ERROR =
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

  private final GatewayContext gw;
  private final ChannelHandlerContext ctx;
  private final ProxyHandler handler;
  private final FilterChain chain;
  private final ExchangeRecorder recorder;
  private final String requestId;
  private final String method;
  private final String path;
  private FullHttpRequest request; // owned until forwarded or answered; null after
  private boolean keepAlive; // false after an internal failure

  // Set once admitted.
  private Route route;
  private RequestContext requestCtx;
  private boolean tunnel; // a WebSocket upgrade: a fresh connection, spliced after a 101
  private boolean streaming;
  private boolean inspected; // a filter or the audit trail wants the answer
  private boolean holdAnswers; // the listener wants answers' last bytes held until recorded
  private boolean usageAskedByGateway;

  // The answer.
  private UpstreamCall call; // set once the request is forwarded
  private ResponseBody body; // chosen from the answer's head; null before it
  private int status;

  // The client side.
  private boolean responseStarted; // the status line went to the client
  private boolean streamCounted;
  private boolean tunnelled; // the connection belongs to a WebSocket tunnel now
  private boolean finished;
  private Dialect failDialect; // the dialect of a pending error answer

  Exchange(
      GatewayContext gw, ChannelHandlerContext ctx, ProxyHandler handler, FullHttpRequest request) {
    this.gw = gw;
    this.ctx = ctx;
    this.handler = handler;
    this.request = request;
    this.method = request.method().name();
    this.requestId = gw.ids().get();
    this.keepAlive = HttpUtil.isKeepAlive(request);
    String uri = request.uri();
    int q = uri.indexOf('?');
    this.path = q < 0 ? uri : uri.substring(0, q);
    this.chain = gw.chain().get();
    this.recorder = new ExchangeRecorder(gw, requestId, method, path, handler.clientAddress(ctx));
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
      respond(refused.dialect(), refused.rejection(), Decision.REJECTED);
      return;
    }
    RequestAdmission.Admitted admitted = (RequestAdmission.Admitted) admission;
    requestCtx = admitted.context();
    requestCtx.clientCertificate(handler.clientCertificate(ctx));
    requestCtx.scanDeadline(recorder.startNanos() + gw.settings().maxScanTime().toNanos());
    route = requestCtx.route();
    tunnel = admitted.tunnel();
    streaming = requestCtx.conversation().stream();
    if (chain.filters().isEmpty()) {
      beforeForward();
      return;
    }
    chain
        .runRequest(requestCtx, ctx.executor(), recorder.trace()::add)
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
    } else if (err != null) {
      log.error("filter chain failed", err);
      respond(GATEWAY_ERROR, Decision.REJECTED);
    } else if (res.blocked()) {
      respond(res.rejection(), Decision.BLOCKED_REQUEST);
    } else {
      beforeForward();
    }
  }

  /** The request passed its filters: decide how to treat the answer, then send it. */
  private void beforeForward() {
    if (gw.listener().refusesRequests()) {
      respond(AUDIT_UNAVAILABLE, Decision.REJECTED);
      return;
    }
    inspected = gw.listener().capturesAnswer(requestCtx) || chain.inspectsResponse(requestCtx);
    holdAnswers = gw.listener().holdsAnswers();
    if (streaming && inspected) {
      usageAskedByGateway = requestCtx.askForStreamUsage();
    }
    call = new UpstreamCall(gw, ctx, this, request, requestCtx, tunnel);
    request = null; // the call owns it now
    call.start();
  }

  // ---------------------------------------------------------------- upstream→gateway

  @Override
  public void onHead(HttpResponse res) {
    status = res.status().code();
    if (tunnel && status == 101) {
      switchToTunnel(res);
      return;
    }
    String type = res.headers().get(HttpHeaderNames.CONTENT_TYPE, "");
    boolean sse = type.regionMatches(true, 0, "text/event-stream", 0, 17);
    if (!sse) {
      if (inspected && status / 100 == 2) {
        body =
            new BufferedBody(
                this,
                ctx,
                res,
                requestCtx,
                chain,
                recorder.trace()::add,
                gw.settings().maxResponseBytes());
        return; // the head goes out with the inspected body
      }
      body = new RelayedBody(this, ctx, holdAnswers);
      writeHead(res, false);
      return;
    }
    streaming = true;
    streamCounted = true;
    gw.metrics().streamStarted();
    StreamPlan plan = chain.streamPlan(requestCtx);
    if (plan.isEmpty() && !inspected && !holdAnswers) {
      body = new RelayedBody(this, ctx, false);
      writeHead(res, false);
      return;
    }
    StreamGuard guard =
        new StreamGuard(
            StreamAdapter.forRoute(route),
            plan.inspectors(),
            gw.settings().maxSseEventBytes(),
            usageAskedByGateway);
    if (holdAnswers) {
      guard.holdEnding(); // only the ending waits for the record
    }
    GuardedStreamBody guarded = new GuardedStreamBody(this, ctx, guard, requestCtx);
    guard.reviewWith(
        plan.reviews(), ctx.executor(), guarded::onReviewStep, gw.settings().maxResponseBytes());
    body = guarded;
    writeHead(res, true);
  }

  /** The answer's head, as LM Studio sent it; a guarded stream's length and tag may change. */
  private void writeHead(HttpResponse res, boolean guarded) {
    HttpResponse out = new DefaultHttpResponse(HttpVersion.HTTP_1_1, res.status());
    HopByHop.copy(
        res.headers(), out.headers(), guarded ? HttpHeaderNames.CONTENT_LENGTH : REQUEST_ID);
    if (guarded) {
      out.headers().remove(HttpHeaderNames.ETAG);
    }
    finishHead(out);
    ctx.write(out);
    responseStarted = true;
  }

  /** LM Studio accepted the upgrade: answer 101 and splice the two connections. */
  private void switchToTunnel(HttpResponse res) {
    HttpResponse out = new DefaultHttpResponse(HttpVersion.HTTP_1_1, res.status());
    out.headers().set(res.headers()).set(REQUEST_ID, requestId);
    ctx.write(out); // encoded now, before the encoder leaves the pipeline
    WebSocketTunnel.splice(ctx.channel(), call.handOver());
    ctx.channel().flush();
    tunnelled = true;
    finish(Decision.FORWARDED, false);
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

  @Override
  public void onContent(HttpContent content, boolean last) {
    body.onContent(content, last);
  }

  /** The client can take more: resume reading from LM Studio. */
  void clientWritable() {
    if (!finished && call != null) {
      call.clientWritable();
    }
  }

  // ---------------------------------------------------------------- for the response bodies

  @Override
  public boolean finished() {
    return finished;
  }

  /** LM Studio's answer is complete: its connection goes back to the pool. */
  void releaseUpstream() {
    if (call != null) {
      call.release();
    }
  }

  /** Stops LM Studio: an unfinished answer's connection is closed (it stops generating). */
  void stopUpstream() {
    if (call != null) {
      call.stop();
    }
  }

  /** Writes a whole answer once its record is accepted. */
  void writeWhole(FullHttpResponse out) {
    finishHead(out);
    commitThen(
        Decision.FORWARDED,
        () -> {
          responseStarted = true;
          ctx.writeAndFlush(out).addListener(f -> complete(Decision.FORWARDED));
        },
        out::release);
  }

  /** Ends a streamed or relayed answer; the exchange completes once the ending is written. */
  void writeLast(Decision decision) {
    ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(f -> complete(decision));
  }

  /** An answer from the gateway itself in the route's dialect (or a 500 when it has none). */
  void respond(Rejection r, Decision decision) {
    respond(route == null ? Dialect.OPENAI : route.dialect(), r, decision);
  }

  /**
   * Hands the exchange to the listener and runs {@code lastWrite} when it accepted the record (in
   * strict audit mode: when the record is durable). If the record cannot be kept, the answer is
   * withheld: a 503 when nothing went out yet, a cut connection (no stream terminator) otherwise;
   * {@code discard} then drops what {@code lastWrite} would have written.
   */
  void commitThen(Decision decision, Runnable lastWrite, Runnable discard) {
    CompletableFuture<Void> f = recorder.record(decision, outcome());
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
                      } else if (err == null) {
                        lastWrite.run();
                      } else {
                        discard.run();
                        log.warn("answer withheld: its audit record could not be written");
                        if (!responseStarted) {
                          status = AUDIT_UNAVAILABLE.status();
                          sendError(
                              failDialect != null ? failDialect : route.dialect(),
                              AUDIT_UNAVAILABLE,
                              Decision.REJECTED);
                        } else {
                          cut(Decision.UPSTREAM_ERROR);
                        }
                      }
                    }));
  }

  // ---------------------------------------------------------------- endings

  @Override
  public void failed(int code, String message) {
    stopUpstream();
    if (!responseStarted) {
      String type = code == 504 ? "upstream_timeout" : "upstream_error";
      respond(new Rejection(code, "server_error", type, "", message), Decision.UPSTREAM_ERROR);
      return;
    }
    // Headers are out: the only honest signal left is to cut the connection.
    status = status == 0 ? code : status;
    cut(Decision.UPSTREAM_ERROR);
  }

  /**
   * Something in the gateway threw while serving this exchange (a bug, or an {@code Error} such as
   * a stack overflow in a filter outside the chain's protection): the client gets an API-shaped 500
   * when nothing went out yet, otherwise the connection is cut; either way the exchange is
   * recorded. A connection is never dropped without an answer or a record.
   */
  @Override
  public void internalFailure(Throwable cause) {
    if (finished) {
      return;
    }
    log.error("exchange {} failed inside the gateway: {}", requestId, cause.toString());
    stopUpstream();
    if (!responseStarted) {
      keepAlive = false; // the connection's state is unknown after a failure
      respond(GATEWAY_ERROR, Decision.REJECTED);
      return;
    }
    status = status == 0 ? 500 : status;
    cut(Decision.UPSTREAM_ERROR);
  }

  /** The client went away: stop LM Studio at once and drop what is held. */
  void clientGone() {
    if (finished) {
      return;
    }
    stopUpstream();
    finish(Decision.CLIENT_ABORTED, false);
  }

  private void respond(Dialect dialect, Rejection r, Decision decision) {
    releaseRequest();
    status = r.status();
    failDialect = dialect;
    commitThen(decision, () -> sendError(dialect, r, decision), () -> {});
  }

  private void sendError(Dialect dialect, Rejection r, Decision decision) {
    FullHttpResponse res = ErrorResponses.of(dialect, r, !keepAlive);
    res.headers().set(REQUEST_ID, requestId);
    responseStarted = true;
    ctx.writeAndFlush(res).addListener(f -> complete(decision));
  }

  /** The answer started but cannot end properly: the exchange ends and the connection closes. */
  private void cut(Decision decision) {
    finish(decision, false);
    ctx.close();
  }

  private void complete(Decision decision) {
    if (!finished) {
      finish(decision, keepAlive);
    }
  }

  /** Where every exchange ends, once: what is held is dropped, the record is completed. */
  private void finish(Decision decision, boolean reuseClient) {
    finished = true;
    if (call != null) {
      call.end();
    }
    if (body != null) {
      body.abandon();
    }
    releaseRequest();
    if (streamCounted) {
      gw.metrics().streamEnded();
    }
    gw.metrics().inFlight().decrementAndGet();
    recorder.ended(decision, status, requestCtx, this::outcome, chain);
    if (!tunnelled) { // otherwise the connection belongs to the tunnel now
      handler.exchangeDone(ctx, this, reuseClient);
    }
  }

  /** What the record says about the exchange so far. */
  private ExchangeRecorder.Outcome outcome() {
    if (body == null) {
      return new ExchangeRecorder.Outcome(route, status, streaming, requestCtx, null, List.of());
    }
    body.collectOutcomes(recorder.trace());
    return new ExchangeRecorder.Outcome(
        route, status, streaming, requestCtx, body.usage(), body.delivered());
  }

  private void releaseRequest() {
    if (request != null) {
      request.release();
      request = null;
    }
  }
}
