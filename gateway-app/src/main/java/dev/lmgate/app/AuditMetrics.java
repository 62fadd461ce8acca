package dev.lmgate.app;

import dev.lmgate.audit.AuditTrail;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/** The audit trail's health on {@code /metrics}. */
final class AuditMetrics {
  private AuditMetrics() {}

  static void register(MeterRegistry registry, AuditTrail trail) {
    Gauge.builder("lmgate.audit.records", trail, t -> t.log().size())
        .description("records in the audit log")
        .register(registry);
    Gauge.builder("lmgate.audit.dropped", trail, AuditTrail::dropped)
        .description("audit records dropped because a queue was full (async mode, export)")
        .register(registry);
    Gauge.builder("lmgate.audit.healthy", trail, t -> t.log().healthy() ? 1 : 0)
        .description("1 when the last audit write succeeded")
        .register(registry);
  }
}
