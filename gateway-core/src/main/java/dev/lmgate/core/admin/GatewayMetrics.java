package dev.lmgate.core.admin;

import dev.lmgate.core.chain.FilterChain;
import dev.lmgate.spi.ExchangeSummary;
import dev.lmgate.spi.FilterOutcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.ConcurrentHashMap;
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

  /** Meters by their label values: a registry lookup per request costs more than the recording. */
  private final ConcurrentHashMap<String, Timer> timers = new ConcurrentHashMap<>();

  private final ConcurrentHashMap<String, Timer> upstreamTimers = new ConcurrentHashMap<>();

  private final java.util.concurrent.ConcurrentHashMap<String, Counter> securityEvents =
      new java.util.concurrent.ConcurrentHashMap<>();

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
    upstreamTimers
        .computeIfAbsent(
            route,
            k ->
                Timer.builder("lmgate.upstream.latency")
                    .tag("route", route)
                    .publishPercentileHistogram()
                    .register(registry))
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  public void exchange(ExchangeSummary s) {
    String route = s.route() == null ? "unknown" : s.route().id();
    String decision = s.decision().name().toLowerCase(java.util.Locale.ROOT);
    String status = Integer.toString(s.status());
    timers
        .computeIfAbsent(
            "r|" + route + "|" + status + "|" + decision,
            k ->
                Timer.builder("lmgate.requests")
                    .tag("route", route)
                    .tag("status", status)
                    .tag("decision", decision)
                    .publishPercentileHistogram()
                    .register(registry))
        .record(s.nanos(), TimeUnit.NANOSECONDS);
  }

  /** Counts a security event by type and reason code (both from bounded sets). */
  public void securityEvent(dev.lmgate.spi.SecurityEvent e) {
    securityEvents
        .computeIfAbsent(
            e.type() + "/" + e.reason(),
            k ->
                Counter.builder("lmgate.security.events")
                    .description("Authentication, authorization and limit decisions")
                    .tag("type", e.type().name().toLowerCase(java.util.Locale.ROOT))
                    .tag("reason", e.reason())
                    .register(registry))
        .increment();
  }

  /** A secret could not be re-read; the last good value stays in use. */
  public void secretRefreshFailed() {
    Counter.builder("lmgate.secret.refresh.failures")
        .description("secret refreshes that failed (the last good value stayed in use)")
        .register(registry)
        .increment();
  }

  public void configReload(boolean ok) {
    Counter.builder("lmgate.config.reloads")
        .tag("result", ok ? "applied" : "rejected")
        .register(registry)
        .increment();
  }

  @Override
  public void filterRan(FilterOutcome o) {
    timers
        .computeIfAbsent(
            "f|" + o.filterId() + "|" + o.phase() + "|" + o.verdict(),
            k ->
                Timer.builder("lmgate.filter.duration")
                    .tag("filter", o.filterId())
                    .tag("phase", o.phase().name().toLowerCase(java.util.Locale.ROOT))
                    .tag("verdict", o.verdict().name().toLowerCase(java.util.Locale.ROOT))
                    .publishPercentileHistogram()
                    .register(registry))
        .record(o.nanos(), TimeUnit.NANOSECONDS);
  }
}
