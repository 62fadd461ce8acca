package dev.lmgate.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lmgate.audit.alert.AlertRules;
import dev.lmgate.audit.alert.AlertSink;
import dev.lmgate.audit.checkpoint.SigningKey;
import dev.lmgate.audit.crypto.MasterKey;
import dev.lmgate.audit.crypto.PeriodKeys;
import dev.lmgate.audit.export.Exporter;
import dev.lmgate.audit.export.RecordSink;
import dev.lmgate.audit.log.AuditLog;
import dev.lmgate.audit.log.AuditLogException;
import dev.lmgate.audit.log.LogSettings;
import dev.lmgate.audit.record.PayloadPolicy;
import dev.lmgate.audit.record.RecordBuilder;
import dev.lmgate.audit.record.Redactor;
import dev.lmgate.spi.ExchangeListener;
import dev.lmgate.spi.ExchangeSummary;
import dev.lmgate.spi.RequestView;
import dev.lmgate.spi.SecurityEvent;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's audit trail: records every exchange and security event in the {@link AuditLog},
 * exports them to SIEMs, raises alerts, and destroys payload keys past their retention.
 *
 * <p>In {@link Mode#STRICT} an answer's last bytes wait for its record to be durable and a record
 * that cannot be written withholds the answer (503); while the log cannot be written new requests
 * are refused. In {@link Mode#ASYNC} nothing waits: records queue for the writer and a full queue
 * drops (counted, alerted).
 */
public final class AuditTrail implements ExchangeListener, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AuditTrail.class);

  /** Whether answers wait for their records. */
  public enum Mode {
    STRICT,
    ASYNC
  }

  /**
   * Everything the trail needs.
   *
   * @param log where and how the log is written
   * @param mode strict or async
   * @param policy payload modes and retention classes
   * @param retention how long each class's payload keys live
   * @param masterKey wraps the payload keys; {@code null} when no rule encrypts
   * @param keysDir where the wrapped payload keys live
   * @param redactor masks sensitive spans for {@code redacted} payloads
   * @param sinks SIEM exports
   * @param alerts thresholds for alerts
   * @param alertSink where alerts go, or {@code null}
   * @param previousMasterKeys master keys rotated out, still tried when opening day keys
   */
  public record Config(
      LogSettings log,
      Mode mode,
      PayloadPolicy policy,
      Map<String, Duration> retention,
      MasterKey masterKey,
      Path keysDir,
      Redactor redactor,
      List<RecordSink> sinks,
      AlertRules.Settings alerts,
      AlertSink alertSink,
      List<MasterKey> previousMasterKeys) {}

  private final Config config;
  private final Clock clock;
  private final AuditLog auditLog;
  private final RecordBuilder builder;
  private final PeriodKeys keys;
  private final Exporter exporter;
  private final AlertRules alerts;
  private final ScheduledExecutorService housekeeping;
  private final AtomicLong buildFailures = new AtomicLong();

  private AuditTrail(Config config, SigningKey signer, Clock clock) throws IOException {
    this.config = config;
    this.clock = clock;
    this.alerts =
        new AlertRules(
            config.alerts(), config.alertSink() == null ? a -> {} : config.alertSink(), clock);
    this.exporter = config.sinks().isEmpty() ? null : new Exporter(config.sinks(), 65_536);
    // The log first: it takes the directory's writer lock, so nothing below (creating today's
    // payload keys, retention) runs while another gateway writes the same directory.
    AuditLog opened;
    try {
      opened = AuditLog.open(config.log(), signer, clock, new Observer());
    } catch (IOException | RuntimeException e) {
      if (e instanceof AuditLogException a && a.tampered()) {
        alerts.tampered(a.getMessage());
      }
      if (exporter != null) {
        exporter.close();
      }
      throw e;
    }
    this.auditLog = opened;
    PeriodKeys periodKeys = null;
    if (config.masterKey() != null) {
      // Today's payload keys must open now: a master key that cannot unwrap them (rotated without
      // listing its predecessor) stops the start instead of failing every record.
      try {
        periodKeys =
            new PeriodKeys(config.keysDir(), config.masterKey(), config.previousMasterKeys());
        periodKeys.prepare(clock.instant(), config.retention().keySet());
      } catch (IOException | RuntimeException e) {
        opened.close();
        if (exporter != null) {
          exporter.close();
        }
        if (e instanceof IOException) {
          throw new IOException(
              e.getMessage()
                  + " (was the master key rotated? list the one it replaced under"
                  + " audit.previous-master-keys)",
              e);
        }
        throw e;
      }
    }
    this.keys = periodKeys;
    this.builder = new RecordBuilder(config.policy(), keys, config.redactor());
    this.housekeeping =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "lmgate-audit-retention");
              t.setDaemon(true);
              return t;
            });
    housekeeping();
    housekeeping.scheduleWithFixedDelay(this::housekeeping, 1, 1, TimeUnit.HOURS);
  }

  /** Opens the log (checking it) and starts recording. */
  public static AuditTrail open(Config config, SigningKey signer, Clock clock) throws IOException {
    return new AuditTrail(config, signer, clock);
  }

  private final class Observer implements AuditLog.Observer {
    @Override
    public void appended(long seq, JsonNode record) {
      if (exporter != null) {
        exporter.publish(record);
      }
      alerts.record(record);
    }

    @Override
    public void writeFailed(IOException cause) {
      alerts.writeFailed(cause.getMessage() == null ? cause.toString() : cause.getMessage());
    }

    @Override
    public void dropped(long total) {
      alerts.dropped(total);
    }
  }

  public Mode mode() {
    return config.mode();
  }

  public AuditLog log() {
    return auditLog;
  }

  @Override
  public void onExchange(ExchangeSummary summary) {
    record(summary);
  }

  @Override
  public CompletionStage<Void> record(ExchangeSummary summary) {
    ObjectNode r;
    try {
      r = builder.exchange(summary);
    } catch (IOException | RuntimeException e) {
      buildFailures.incrementAndGet();
      log.error("audit record could not be built: {}", e.toString());
      alerts.writeFailed(e.toString());
      if (config.mode() == Mode.STRICT) {
        return CompletableFuture.failedFuture(e);
      }
      return DONE;
    }
    if (config.mode() == Mode.STRICT) {
      return auditLog.append(r).thenApply(a -> null);
    }
    auditLog.offer(r);
    return DONE;
  }

  @Override
  public boolean capturesPayloads() {
    return builder.capturesPayloads();
  }

  @Override
  public boolean capturesAnswer(RequestView request) {
    return builder.capturesAnswer(request.route(), request.principal().orElse(null));
  }

  @Override
  public boolean holdsAnswers() {
    return config.mode() == Mode.STRICT;
  }

  @Override
  public boolean refusesRequests() {
    return config.mode() == Mode.STRICT && !auditLog.healthy();
  }

  @Override
  public void onSecurityEvent(SecurityEvent event) {
    auditLog.offer(builder.security(event));
  }

  /**
   * Hourly, off the event loops: retention, and today's and tomorrow's payload keys created ahead,
   * so that no request creates (and syncs) a key file.
   */
  private void housekeeping() {
    enforceRetention();
    if (keys != null) {
      try {
        java.time.Instant now = clock.instant();
        keys.prepare(now, config.retention().keySet());
        keys.prepare(now.plus(Duration.ofDays(1)), config.retention().keySet());
      } catch (IOException | RuntimeException e) {
        log.error("audit payload keys could not be prepared: {}", e.toString());
      }
    }
  }

  /** Destroys payload keys past their class's retention and notes it in the log. */
  public void enforceRetention() {
    if (keys == null) {
      return;
    }
    try {
      List<String> destroyed = keys.shred(clock.instant(), config.retention());
      if (!destroyed.isEmpty()) {
        ObjectNode n =
            RecordBuilder.note(
                "retention",
                clock.instant(),
                "payload keys past retention destroyed; their payloads can no longer be read");
        ArrayNode a = n.putArray("keys_destroyed");
        destroyed.forEach(a::add);
        auditLog.offer(n);
        log.info("audit retention: destroyed payload keys {}", destroyed);
      }
    } catch (IOException | RuntimeException e) {
      log.error("audit retention failed: {}", e.toString());
    }
  }

  /** Records not written because a queue was full (log or export). */
  public long dropped() {
    return auditLog.dropped() + (exporter == null ? 0 : exporter.dropped());
  }

  /** Writes what is queued, signs a final checkpoint and stops. */
  @Override
  public void close() {
    housekeeping.shutdownNow();
    auditLog.close();
    if (exporter != null) {
      exporter.close();
    }
    if (config.alertSink() instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception e) {
        log.warn("closing the alert sink failed: {}", e.toString());
      }
    }
  }
}
