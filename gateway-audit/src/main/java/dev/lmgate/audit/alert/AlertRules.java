package dev.lmgate.audit.alert;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns records and log health into alerts: bursts of authentication failures, bursts of blocks by
 * chosen filters (injection, by default), audit write failures, dropped records, tampering found
 * and revoked keys. A burst alert fires when the count within the window reaches the threshold,
 * then stays quiet for one window; the other alerts are also limited to one per name per window.
 */
public final class AlertRules {
  /**
   * Thresholds.
   *
   * @param authFailures failures within {@code window} that make a burst
   * @param blocks blocks by {@code blockingFilters} within {@code window} that make a burst
   * @param blockingFilters filter ids whose blocks count
   * @param window the sliding window and the quiet time after an alert
   */
  public record Settings(
      int authFailures, int blocks, List<String> blockingFilters, Duration window) {
    public static Settings defaults() {
      return new Settings(20, 10, List.of("injection"), Duration.ofMinutes(1));
    }
  }

  private final Settings settings;
  private final AlertSink sink;
  private final Clock clock;
  private final Deque<Instant> authFailures = new ArrayDeque<>();
  private final Deque<Instant> blocks = new ArrayDeque<>();
  private final Map<String, Instant> lastRaised = new ConcurrentHashMap<>();

  public AlertRules(Settings settings, AlertSink sink, Clock clock) {
    this.settings = settings;
    this.sink = sink;
    this.clock = clock;
  }

  /** Looks at a record as it is logged. */
  public void record(JsonNode r) {
    String kind = r.path("kind").asText();
    if ("security".equals(kind)) {
      String type = r.path("type").asText();
      if ("authentication_failed".equals(type)) {
        burst(
            authFailures,
            settings.authFailures(),
            "auth_failure_burst",
            "authentication failures in the last " + settings.window().toSeconds() + " s");
      } else if ("credential_changed".equals(type)
          && "key_revoked".equals(r.path("reason").asText())) {
        raise(
            "key_revoked",
            "warning",
            "an API key was revoked: " + r.path("detail").asText(r.path("principal").asText()));
      } else if ("model_integrity".equals(type) && "mismatch".equals(r.path("reason").asText())) {
        raise(
            "model_integrity_failed",
            "critical",
            "a model's files do not match the integrity manifest; the model is blocked: "
                + r.path("detail").asText());
      } else if ("anomaly".equals(type)) {
        String detail = r.path("detail").asText();
        String who = r.path("principal").asText(r.path("client").asText(""));
        raise(
            "anomaly_" + r.path("reason").asText(),
            detail.contains("suspended") ? "critical" : "warning",
            (who.isEmpty() ? "" : who + ": ") + detail);
      } else if ("secret_refresh_failed".equals(type)
          && "key_store_failed_closed".equals(r.path("reason").asText())) {
        raise(
            "key_store_failed_closed",
            "critical",
            "the API key store has been unreadable too long; every API key is refused: "
                + r.path("detail").asText());
      } else if ("secret_refresh_failed".equals(type)) {
        raise(
            "secret_refresh_failed",
            "warning",
            "a secret could not be refreshed (the last good value stays in use): "
                + r.path("detail").asText());
      }
    } else if ("exchange".equals(kind) && r.path("decision").asText().startsWith("blocked")) {
      for (JsonNode f : r.path("filters")) {
        if ("block".equals(f.path("verdict").asText())
            && settings.blockingFilters().contains(f.path("id").asText())) {
          burst(
              blocks,
              settings.blocks(),
              "blocked_burst",
              "requests blocked by "
                  + settings.blockingFilters()
                  + " in the last "
                  + settings.window().toSeconds()
                  + " s");
          break;
        }
      }
    }
  }

  public void writeFailed(String cause) {
    raise("audit_write_failed", "critical", "the audit log cannot be written: " + cause);
  }

  public void dropped(long total) {
    raise("audit_records_dropped", "critical", total + " audit records dropped (queue full)");
  }

  public void tampered(String problem) {
    raise("audit_tampered", "critical", "the audit log fails verification: " + problem);
  }

  private synchronized void burst(Deque<Instant> times, int threshold, String name, String what) {
    Instant now = clock.instant();
    times.addLast(now);
    Instant from = now.minus(settings.window());
    while (!times.isEmpty() && times.peekFirst().isBefore(from)) {
      times.removeFirst();
    }
    if (times.size() >= threshold) {
      int n = times.size();
      if (raise(name, "critical", n + " " + what)) {
        times.clear();
      }
    }
  }

  private boolean raise(String name, String severity, String summary) {
    Instant now = clock.instant();
    Instant last = lastRaised.get(name);
    if (last != null && now.isBefore(last.plus(settings.window()))) {
      return false;
    }
    lastRaised.put(name, now);
    sink.raise(new Alert(name, severity, now, summary));
    return true;
  }
}
