package dev.lmgate.core.admin;

import dev.lmgate.core.chain.FilterChain;
import dev.lmgate.spi.ExchangeSummary;
import dev.lmgate.spi.FilterOutcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gateway's metrics, in Prometheus form. Labels are bounded sets (route ids, status codes,
 * filter ids, verdicts); prompts, keys and paths never become labels.
 */
public final class GatewayMetrics implements FilterChain.Observer {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final AtomicInteger activeStreams = new AtomicInteger();
  private final AtomicInteger inFlight = new AtomicInteger();

  public GatewayMetrics() {
    registry.gauge("lmgate.streams.active", activeStreams);
    registry.gauge("lmgate.exchanges.inflight", inFlight);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public String scrape() {
    return registry.scrape();
  }

  public void streamStarted() {
    activeStreams.incrementAndGet();
  }

  public void streamEnded() {
    activeStreams.decrementAndGet();
  }

  public AtomicInteger inFlight() {
    return inFlight;
  }

  /** Time from request to upstream response head. */
  public void upstreamLatency(String route, long nanos) {
    Timer.builder("lmgate.upstream.latency")
        .tag("route", route)
        .publishPercentileHistogram()
        .register(registry)
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  public void exchange(ExchangeSummary s) {
    Timer.builder("lmgate.requests")
        .tag("route", s.route() == null ? "unknown" : s.route().id())
        .tag("status", Integer.toString(s.status()))
        .tag("decision", s.decision().name().toLowerCase(java.util.Locale.ROOT))
        .publishPercentileHistogram()
        .register(registry)
        .record(s.nanos(), TimeUnit.NANOSECONDS);
  }

  public void configReload(boolean ok) {
    Counter.builder("lmgate.config.reloads")
        .tag("result", ok ? "applied" : "rejected")
        .register(registry)
        .increment();
  }

  @Override
  public void filterRan(FilterOutcome o) {
    Timer.builder("lmgate.filter.duration")
        .tag("filter", o.filterId())
        .tag("phase", o.phase().name().toLowerCase(java.util.Locale.ROOT))
        .tag("verdict", o.verdict().name().toLowerCase(java.util.Locale.ROOT))
        .publishPercentileHistogram()
        .register(registry)
        .record(o.nanos(), TimeUnit.NANOSECONDS);
  }
}
