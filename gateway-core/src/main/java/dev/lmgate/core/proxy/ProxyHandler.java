package dev.lmgate.core.proxy;

import dev.lmgate.spi.Dialect;
import dev.lmgate.spi.Rejection;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection. Reads one request at a time (auto-read is off): the next request is read
 * only once the current exchange has written its last byte, which gives back-pressure and keeps
 * pipelined requests in order. (Netty's FlowControlHandler is not used: in 4.2 a read cycle that
 * ends with a partial message counts as satisfying the pending read, which stalls a request whose
 * body arrives in a later TCP segment.)
 */
final class ProxyHandler extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(ProxyHandler.class);

  private final GatewayContext gw;
  private Exchange current;

  /**
   * Requests that arrived in the same read as the one being served (HTTP/1.1 pipelining). Auto-read
   * is off, so only what one socket read decoded can wait here; a client that floods it is cut.
   */
  private final ArrayDeque<FullHttpRequest> pipelined = new ArrayDeque<>();

  private static final int MAX_PIPELINED = 16;

  private String clientAddress;

  ProxyHandler(GatewayContext gw) {
    this.gw = gw;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    ctx.read();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof FullHttpRequest req)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (!req.decoderResult().isSuccess()) {
      // Malformed framing (CL+TE, bad chunk syntax, oversized lines): never forwarded, and the
      // connection cannot be trusted for another request.
      req.release();
      badRequest(ctx, "The request is not valid HTTP/1.1 and was rejected.");
      return;
    }
    if (current != null) {
      if (pipelined.size() >= MAX_PIPELINED) {
        req.release();
        ctx.close();
        return;
      }
      pipelined.add(req); // released when served, or on close
      return;
    }
    serve(ctx, req);
  }

  private void serve(ChannelHandlerContext ctx, FullHttpRequest req) {
    java.util.Optional<Rejection> framing = MessageFraming.problem(req);
    if (framing.isPresent()) {
      req.release();
      refuseAndClose(ctx, framing.get());
      return;
    }
    current = new Exchange(gw, ctx, this, req);
    current.start();
  }

  /** The peer's address, rendered once per connection. */
  /** The verified client certificate's subject, or null; read once per connection. */
  String clientCertificate(ChannelHandlerContext ctx) {
    if (!certificateRead) {
      certificateRead = true;
      io.netty.handler.ssl.SslHandler ssl =
          ctx.pipeline().get(io.netty.handler.ssl.SslHandler.class);
      if (ssl != null) {
        try {
          java.security.cert.Certificate[] chain = ssl.engine().getSession().getPeerCertificates();
          if (chain.length > 0 && chain[0] instanceof java.security.cert.X509Certificate x) {
            clientCertificate = x.getSubjectX500Principal().getName();
          }
        } catch (javax.net.ssl.SSLPeerUnverifiedException none) {
          // no certificate presented (client-auth: optional)
        }
      }
    }
    return clientCertificate;
  }

  private boolean certificateRead;
  private String clientCertificate;

  String clientAddress(ChannelHandlerContext ctx) {
    if (clientAddress == null) {
      java.net.SocketAddress a = ctx.channel().remoteAddress();
      clientAddress =
          a instanceof java.net.InetSocketAddress i && i.getAddress() != null
              ? (i.getAddress() instanceof java.net.Inet6Address
                      ? "[" + i.getAddress().getHostAddress() + "]"
                      : i.getAddress().getHostAddress())
                  + ":"
                  + i.getPort() // 127.0.0.1:51000 or [0:0:0:0:0:0:0:1]:51000
              : String.valueOf(a);
    }
    return clientAddress;
  }

  /** Called by the exchange once its response is fully written. */
  void exchangeDone(ChannelHandlerContext ctx, Exchange ex, boolean keepAlive) {
    if (current == ex) {
      current = null;
    }
    if (!keepAlive || !ctx.channel().isActive()) {
      ctx.close();
      return;
    }
    FullHttpRequest next = pipelined.poll();
    if (next != null) {
      // Served from a fresh task so that a run of locally answered requests cannot recurse.
      ctx.executor()
          .execute(
              () -> {
                if (ctx.channel().isActive()) {
                  serve(ctx, next);
                } else {
                  next.release();
                }
              });
    } else {
      ctx.read();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (current != null && ctx.channel().isWritable()) {
      current.clientWritable();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    FullHttpRequest r;
    while ((r = pipelined.poll()) != null) {
      r.release();
    }
    if (current != null) {
      current.clientGone();
      current = null;
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (current != null
        && !(cause instanceof java.io.IOException)
        && !(cause instanceof io.netty.handler.codec.CodecException)) {
      // thrown while serving the current exchange: it answers (500) and records, then closes
      Exchange ex = current;
      ex.internalFailure(cause);
      return;
    }
    log.debug("client connection failed: {}", cause.toString());
    ctx.close();
  }

  private void badRequest(ChannelHandlerContext ctx, String message) {
    refuseAndClose(ctx, new Rejection(400, "invalid_request_error", "bad_request", "", message));
  }

  /** Answers, then closes: what follows on this connection cannot be trusted. */
  private void refuseAndClose(ChannelHandlerContext ctx, Rejection r) {
    ctx.writeAndFlush(ErrorResponses.of(Dialect.OPENAI, r, true))
        .addListener(ChannelFutureListener.CLOSE);
  }
}
