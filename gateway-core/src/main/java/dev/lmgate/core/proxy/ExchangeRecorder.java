package dev.lmgate.core.proxy;

import dev.lmgate.core.chain.FilterChain;
import dev.lmgate.core.chain.RequestContext;
import dev.lmgate.spi.ExchangeSummary;
import dev.lmgate.spi.ExchangeSummary.Decision;
import dev.lmgate.spi.FilterOutcome;
import dev.lmgate.spi.OutputText;
import dev.lmgate.spi.Route;
import dev.lmgate.spi.TokenUsage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The record of one exchange: what its filters decided (the trace), the summary handed to the
 * listener (the audit trail) exactly once, and, when the exchange ends, its metrics, the filters'
 * end-of-exchange hook and its access-log line.
 */
final class ExchangeRecorder {
  private static final Logger log = LoggerFactory.getLogger(ExchangeRecorder.class);
  private static final Logger access = LoggerFactory.getLogger("lmgate.access");

  private final GatewayContext gw;
  private final String requestId;
  private final Instant startTime;
  private final long startNanos = System.nanoTime();
  private final String method;
  private final String path;
  private final String clientAddress;
  private final List<FilterOutcome> trace = new ArrayList<>(4);
  private ExchangeSummary recorded; // set once the listener has the exchange

  /** What the summary says beyond the request line; read when the summary is made. */
  record Outcome(
      Route route,
      int status,
      boolean streaming,
      RequestContext request,
      TokenUsage usage,
      List<OutputText> delivered) {}

  ExchangeRecorder(
      GatewayContext gw, String requestId, String method, String path, String clientAddress) {
    this.gw = gw;
    this.requestId = requestId;
    this.method = method;
    this.path = path;
    this.clientAddress = clientAddress;
    this.startTime = gw.clock().instant();
  }

  /** Where filters' outcomes go, in the order they ran. */
  List<FilterOutcome> trace() {
    return trace;
  }

  long startNanos() {
    return startNanos;
  }

  boolean recorded() {
    return recorded != null;
  }

  /**
   * Hands the exchange to the listener; the future completes when the record is accepted (in strict
   * audit mode: durable). A listener that throws fails the future rather than the exchange.
   */
  CompletableFuture<Void> record(Decision decision, Outcome outcome) {
    recorded = summary(decision, outcome);
    try {
      return gw.listener().record(recorded).toCompletableFuture();
    } catch (RuntimeException e) {
      log.error("exchange listener failed", e);
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * The exchange is over: recorded now if it ended without a last write (nothing waits for that
   * record; {@code outcome} is asked only then), then counted, shown to the filters and logged.
   */
  void ended(
      Decision decision,
      int status,
      RequestContext request,
      Supplier<Outcome> outcome,
      FilterChain chain) {
    if (recorded == null) {
      record(decision, outcome.get());
    }
    ExchangeSummary s = recorded;
    gw.metrics().exchange(s);
    if (request != null) {
      chain.exchangeEnded(request, s);
    }
    if (gw.settings().accessLog() && access.isInfoEnabled()) {
      MDC.put("request_id", requestId);
      try {
        // what the client got, which after a withheld answer differs from the record
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
  }

  private ExchangeSummary summary(Decision decision, Outcome o) {
    RequestContext rc = o.request();
    return new ExchangeSummary(
        requestId,
        startTime,
        o.route(),
        method,
        path,
        clientAddress,
        o.status(),
        decision,
        trace,
        o.streaming(),
        System.nanoTime() - startNanos,
        rc == null ? null : rc.principal().orElse(null),
        rc == null ? "" : rc.conversation().model(),
        o.usage(),
        rc == null ? null : rc.conversation(),
        o.delivered());
  }
}
