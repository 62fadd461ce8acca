package dev.lmgate.core.proxy;

import dev.lmgate.core.chain.RequestContext;
import dev.lmgate.core.json.Json;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An exchange's call to LM Studio: a connection (pooled, or new and unpooled for a WebSocket
 * upgrade), the rewritten request, its deadlines, reads paced by what the client can take, and the
 * two resends: an idempotent request whose reused connection failed before any answer, and any
 * request LM Studio refused with 401 (the gateway's key is re-read first; a second 401 is passed
 * on). Runs on the client's event loop.
 *
 * <p>Owns the client request from {@link #start} until LM Studio answers (a resend needs it) or the
 * call {@link #end}s.
 */
final class UpstreamCall implements UpstreamHandler.Sink {
  private static final Logger log = LoggerFactory.getLogger(UpstreamCall.class);

  /** What the call reports to its exchange. */
  interface Listener {
    /** Whether the exchange is over; the call then only cleans up. */
    boolean finished();

    /** LM Studio's answer began. */
    void onHead(HttpResponse head);

    /** A part of the answer's body; takes ownership. */
    void onContent(HttpContent content, boolean last);

    /** LM Studio did not answer in time, closed early or failed. */
    void failed(int status, String message);

    /** The gateway's own code threw while handling LM Studio's answer. */
    void internalFailure(Throwable cause);
  }

  private final GatewayContext gw;
  private final ChannelHandlerContext ctx;
  private final Listener exchange;
  private final RequestContext requestCtx;
  private final boolean tunnel;
  private final String routeId;
  private final UpstreamDeadlines deadlines;
  private FullHttpRequest request; // held for a resend until LM Studio answers
  private Channel channel;
  private boolean retried;
  private boolean keyRetried;
  private boolean discarding; // reading a 401 to its end before the resend
  private boolean answered;
  private boolean complete;

  UpstreamCall(
      GatewayContext gw,
      ChannelHandlerContext ctx,
      Listener exchange,
      FullHttpRequest request,
      RequestContext requestCtx,
      boolean tunnel) {
    this.gw = gw;
    this.ctx = ctx;
    this.exchange = exchange;
    this.request = request;
    this.requestCtx = requestCtx;
    this.tunnel = tunnel;
    this.routeId = requestCtx.route().id();
    this.deadlines =
        new UpstreamDeadlines(
            ctx.executor(),
            gw.settings().firstByteTimeout(),
            gw.settings().idleTimeout(),
            message -> {
              if (!exchange.finished() && !complete) {
                exchange.failed(504, message);
              }
            });
  }

  /** Connects and sends the request. */
  void start() {
    // An upgraded connection is never pooled, and never taken from the pool.
    Future<Channel> conn =
        tunnel
            ? gw.pool().openUnpooled(ctx.channel().eventLoop())
            : gw.pool().acquire(ctx.channel().eventLoop());
    conn.addListener(
        f -> {
          if (exchange.finished()) {
            if (f.isSuccess()) {
              releaseChannel((Channel) f.getNow());
            }
            releaseRequest();
          } else if (!f.isSuccess()) {
            exchange.failed(
                502, "LM Studio is not reachable at " + gw.settings().upstreamAuthority() + ".");
          } else {
            send((Channel) f.getNow());
          }
        });
  }

  private void send(Channel ch) {
    channel = ch;
    UpstreamHandler.attach(ch, this);
    boolean reused = UpstreamHandler.reused(ch);
    ByteBuf body;
    if (requestCtx.modified()) {
      body = Unpooled.wrappedBuffer(Json.write(requestCtx.json().orElseThrow()));
    } else {
      // A resend needs the body again: keep one reference until LM Studio answers.
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
                } else if (!exchange.finished()) {
                  ch.close();
                  exchange.failed(
                      502, "The connection to LM Studio failed while sending the request.");
                }
                return;
              }
              if (!exchange.finished()) {
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
    String method = request == null ? "" : request.method().name();
    return reused
        && !retried
        && !answered
        && !discarding // a 401 being read: the key-refresh resend follows, not a retry
        && !exchange.finished()
        && ("GET".equals(method) || "HEAD".equals(method));
  }

  private void retry() {
    retried = true;
    Channel old = channel;
    channel = null;
    UpstreamHandler.detach(old);
    old.close();
    start();
  }

  /** LM Studio refused the gateway's key; nothing was generated, so it goes once more. */
  private void resendWithFreshKey() {
    release();
    gw.upstreamKey()
        .refresh()
        .whenComplete(
            (changed, err) ->
                ctx.executor()
                    .execute(
                        () -> {
                          if (exchange.finished()) {
                            releaseRequest();
                            return;
                          }
                          discarding = false;
                          complete = false; // a new answer is awaited
                          start();
                        }));
  }

  @Override
  public void upstreamRead(HttpObject msg) {
    if (exchange.finished()) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof HttpResponse res) {
      if (!res.decoderResult().isSuccess()) {
        ReferenceCountUtil.release(msg);
        exchange.failed(502, "LM Studio sent a malformed response.");
        return;
      }
      if (res.status().code() == 401 && !keyRetried && gw.upstreamKey() != null && !tunnel) {
        keyRetried = true; // perhaps rotated since the last refresh
        discarding = true;
      } else {
        answered = true;
        releaseRequest(); // no resend once LM Studio answered
        gw.metrics().upstreamLatency(routeId, deadlines.firstByte()); // now idleness is checked
        exchange.onHead(res);
      }
    }
    if (msg instanceof HttpContent content) {
      deadlines.activity();
      boolean last = content instanceof LastHttpContent;
      if (last) {
        complete = true;
        deadlines.cancel();
      }
      if (discarding) {
        content.release();
        if (last) {
          resendWithFreshKey();
        }
      } else if (exchange.finished()) {
        content.release(); // the head ended the exchange (an upgrade's 101)
      } else {
        exchange.onContent(content, last); // takes ownership
      }
    } else if (!(msg instanceof HttpResponse)) {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void upstreamReadComplete() {
    if (exchange.finished()) {
      return;
    }
    ctx.flush();
    if (!complete && channel != null && ctx.channel().isWritable()) {
      channel.read();
    }
  }

  /** The client can take more: resume reading from LM Studio. */
  void clientWritable() {
    if (!complete && channel != null) {
      channel.read();
    }
  }

  @Override
  public void upstreamClosed() {
    if (exchange.finished() || complete) {
      return;
    }
    if (channel != null && retryable(UpstreamHandler.reused(channel))) {
      retry();
      return;
    }
    channel = null;
    exchange.failed(502, "LM Studio closed the connection before the response was complete.");
  }

  @Override
  public void upstreamFailed(Throwable cause) {
    if (exchange.finished() || complete) {
      return;
    }
    if (!(cause instanceof java.io.IOException)
        && !(cause instanceof io.netty.handler.codec.CodecException)) {
      exchange.internalFailure(cause);
      return;
    }
    log.debug("upstream failed: {}", cause.toString());
    channel = null;
    exchange.failed(502, "The connection to LM Studio failed.");
  }

  /** Whether LM Studio's answer arrived to its end. */
  boolean complete() {
    return complete;
  }

  /** The answer is complete: the connection goes back to the pool. */
  void release() {
    if (channel != null) {
      Channel ch = channel;
      channel = null;
      releaseChannel(ch);
    }
  }

  /** Stops LM Studio: an unfinished answer's connection is closed, so it stops generating. */
  void stop() {
    if (complete) {
      release();
    } else if (channel != null) {
      UpstreamHandler.detach(channel);
      channel.close();
      channel = null;
    }
  }

  /** LM Studio accepted an upgrade: the connection leaves the call, to be spliced to the client. */
  Channel handOver() {
    deadlines.cancel();
    complete = true;
    Channel ch = channel;
    channel = null;
    UpstreamHandler.detach(ch);
    return ch;
  }

  /** The exchange ended: timers stop, the request is released if a resend still held it. */
  void end() {
    deadlines.cancel();
    releaseRequest();
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
