package dev.lmgate.core.proxy;

import dev.lmgate.core.chain.RequestContext;
import dev.lmgate.core.dialect.UsageReader;
import dev.lmgate.core.stream.StreamGuard;
import dev.lmgate.spi.ExchangeSummary.Decision;
import dev.lmgate.spi.FilterOutcome;
import dev.lmgate.spi.OutputText;
import dev.lmgate.spi.TokenUsage;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.HttpContent;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A server-sent-event stream passed through the {@link StreamGuard}: events are written as the
 * guard releases them, a block ends the stream with the dialect's own ending and stops LM Studio,
 * and the final events wait for the exchange's record when the audit trail asks for that.
 */
final class GuardedStreamBody implements ResponseBody {
  private static final Logger log = LoggerFactory.getLogger(GuardedStreamBody.class);

  private final Exchange exchange;
  private final ChannelHandlerContext ctx;
  private final StreamGuard guard;
  private final RequestContext request;
  private boolean flushed; // the first released bytes went out
  private boolean collected; // the guard's outcomes are in the trace

  GuardedStreamBody(
      Exchange exchange, ChannelHandlerContext ctx, StreamGuard guard, RequestContext request) {
    this.exchange = exchange;
    this.ctx = ctx;
    this.guard = guard;
    this.request = request;
  }

  @Override
  public void onContent(HttpContent content, boolean last) {
    byte[] bytes = ByteBufUtil.getBytes(content.content());
    content.release();
    StreamGuard.Step step = guard.onBytes(bytes);
    if (last && !step.blocked()) {
      write(step.release());
      step = guard.onEnd();
      if (!step.blocked() && !step.ended()) {
        exchange.releaseUpstream(); // LM Studio is done; the ending waits for a review
      }
    }
    onStep(step);
  }

  /** What a stream review released, blocked or ended, on the loop after the review. */
  void onReviewStep(StreamGuard.Step step) {
    if (exchange.finished()) {
      return;
    }
    onStep(step);
    ctx.flush();
  }

  private void onStep(StreamGuard.Step step) {
    if (step.blocked()) {
      endBlocked(step.release(), step.blockedBy(), step.reason());
      return;
    }
    if (step.ended()) {
      byte[] ending = step.release(); // held until the exchange is recorded (strict audit)
      exchange.releaseUpstream();
      exchange.commitThen(
          Decision.FORWARDED,
          () -> {
            write(ending);
            exchange.writeLast(Decision.FORWARDED);
          },
          () -> {});
      return;
    }
    write(step.release());
  }

  private void write(byte[] bytes) {
    if (bytes.length > 0) {
      ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(bytes)));
      // The first text a guarded stream releases goes out at once: when LM Studio sends a burst,
      // the rest of it is inspected (and at its end recorded) before the read completes and
      // flushes, and the first token should not wait for that. Later bytes flush per read.
      if (!flushed) {
        flushed = true;
        ctx.flush();
      }
    }
  }

  /** Ends a stream the guard blocked: the ending is written, LM Studio stops generating. */
  private void endBlocked(byte[] ending, String filterId, String reason) {
    exchange.stopUpstream();
    log.info("stream blocked by {}: {}", filterId, reason);
    exchange.commitThen(
        Decision.BLOCKED_RESPONSE,
        () -> {
          write(ending);
          exchange.writeLast(Decision.BLOCKED_RESPONSE);
        },
        () -> {});
  }

  @Override
  public void abandon() {
    guard.abandon(); // a review still running finds the exchange over
  }

  @Override
  public void collectOutcomes(List<FilterOutcome> trace) {
    if (!collected) {
      collected = true;
      trace.addAll(guard.outcomes());
    }
  }

  @Override
  public TokenUsage usage() {
    return UsageReader.complete(guard.usage(), request.conversation(), guard.outputChars());
  }

  @Override
  public List<OutputText> delivered() {
    return guard.delivered();
  }
}
