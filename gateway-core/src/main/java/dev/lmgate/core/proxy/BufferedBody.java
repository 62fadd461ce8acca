package dev.lmgate.core.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lmgate.core.chain.FilterChain;
import dev.lmgate.core.chain.RequestContext;
import dev.lmgate.core.chain.ResponseContext;
import dev.lmgate.core.dialect.UsageReader;
import dev.lmgate.core.json.Json;
import dev.lmgate.spi.ExchangeSummary.Decision;
import dev.lmgate.spi.FilterOutcome;
import dev.lmgate.spi.OutputText;
import dev.lmgate.spi.TokenUsage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A successful, unstreamed answer that a filter (or the audit trail) inspects: collected up to
 * {@code max-response-bytes}, run through the response filters, then written whole, as LM Studio
 * sent it or as the filters changed it. A body that is not JSON is written unchanged.
 */
final class BufferedBody implements ResponseBody {
  private static final Logger log = LoggerFactory.getLogger(BufferedBody.class);

  private final Exchange exchange;
  private final ChannelHandlerContext ctx;
  private final HttpResponse head;
  private final RequestContext request;
  private final FilterChain chain;
  private final Consumer<FilterOutcome> trace;
  private final long maxBytes;
  private ByteArrayOutputStream body = new ByteArrayOutputStream(); // null once inspected
  private TokenUsage usage; // set once the answer is parsed
  private List<OutputText> delivered = List.of();

  BufferedBody(
      Exchange exchange,
      ChannelHandlerContext ctx,
      HttpResponse head,
      RequestContext request,
      FilterChain chain,
      Consumer<FilterOutcome> trace,
      long maxBytes) {
    this.exchange = exchange;
    this.ctx = ctx;
    this.head = head;
    this.request = request;
    this.chain = chain;
    this.trace = trace;
    this.maxBytes = maxBytes;
  }

  @Override
  public void onContent(HttpContent content, boolean last) {
    try {
      ByteBuf b = content.content();
      if (body == null) {
        return; // over the limit already: the exchange is ending
      }
      if (body.size() + b.readableBytes() > maxBytes) {
        body = null;
        exchange.failed(
            502, "The response is larger than the gateway inspects (" + maxBytes + " bytes).");
        return;
      }
      b.readBytes(body, b.readableBytes());
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e); // a ByteArrayOutputStream does not throw
    } finally {
      content.release();
    }
    if (last) {
      exchange.releaseUpstream();
      inspect();
    }
  }

  @Override
  public void abandon() {
    body = null;
  }

  @Override
  public TokenUsage usage() {
    return usage;
  }

  @Override
  public List<OutputText> delivered() {
    return delivered;
  }

  private void inspect() {
    byte[] bytes = body.toByteArray();
    body = null;
    JsonNode json = Json.parse(bytes).orElse(null);
    if (json == null) {
      int code = head.status().code();
      if (code >= 200 && code < 300 && bytes.length > 0) {
        // An answer the response filters cannot read is not let through unread: a model can
        // nest its tool arguments past the parser's depth limit to slip a call past them.
        exchange.respond(Exchange.GATEWAY_ERROR, Decision.BLOCKED_RESPONSE);
        return;
      }
      write(bytes, false); // an error LM Studio wrote as text: no model output in it
      return;
    }
    int status = head.status().code();
    ResponseContext rc = new ResponseContext(request, status, json);
    usage =
        UsageReader.complete(
            UsageReader.read(json),
            request.conversation(),
            rc.outputs().stream().mapToLong(o -> o.text().length()).sum());
    chain
        .runResponse(rc, ctx.executor(), trace)
        .whenComplete(
            (res, err) ->
                ctx.executor()
                    .execute(
                        () -> {
                          if (exchange.finished()) {
                            return;
                          }
                          if (err != null) {
                            log.error("response filter chain failed", err);
                            exchange.respond(Exchange.GATEWAY_ERROR, Decision.BLOCKED_RESPONSE);
                          } else if (res.blocked()) {
                            exchange.respond(res.rejection(), Decision.BLOCKED_RESPONSE);
                          } else {
                            delivered = rc.outputs();
                            write(rc.modified() ? Json.write(json) : bytes, rc.modified());
                          }
                        }));
  }

  private void write(byte[] bytes, boolean modified) {
    FullHttpResponse out =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, head.status(), Unpooled.wrappedBuffer(bytes));
    HopByHop.copy(
        head.headers(), out.headers(), HttpHeaderNames.CONTENT_LENGTH, Exchange.REQUEST_ID);
    if (modified) {
      out.headers().remove(HttpHeaderNames.ETAG);
    }
    out.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
    exchange.writeWhole(out);
  }
}
