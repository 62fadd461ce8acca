package dev.lmgate.filters.anomaly;

import dev.lmgate.filters.incident.IncidentState;
import dev.lmgate.spi.ExchangeSummary;
import dev.lmgate.spi.Principal;
import dev.lmgate.spi.SecurityEvent;
import dev.lmgate.spi.SecurityEventSink;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Sliding windows per caller and what they trigger. Thread-safe (exchanges end and events arrive on
 * every event loop); the number of callers tracked is bounded (least recently seen forgotten).
 *
 * <ul>
 *   <li>{@code blocked_burst}: more than {@code blockedRequests} blocked requests in the window;
 *   <li>{@code auth_failure_burst}: more than {@code authFailures} failed authentications against
 *       one key (by its id) or from one client address;
 *   <li>{@code token_spike}: more tokens in the window than {@code spikeFactor} times the caller's
 *       usual window (an exponential average of earlier windows) and at least {@code
 *       spikeMinTokens};
 *   <li>{@code unusual_model}: a model the caller has not used before, once it has made {@code
 *       learnRequests} requests.
 * </ul>
 *
 * Each is an {@code anomaly} security event (audited, counted, alerted), at most once per window
 * per caller and kind. With {@code suspend} set, a blocked burst or token spike also suspends the
 * caller's key (or token subject) through the incident controls for that long; failed logins and
 * new models only alert (suspending a key others are guessing at would hand them a denial of
 * service).
 */
public final class AnomalyDetector implements SecurityEventSink {
  /** Thresholds; 0 turns a check off. */
  public record Settings(
      Duration window,
      int blockedRequests,
      int authFailures,
      double spikeFactor,
      long spikeMinTokens,
      int learnRequests,
      Duration suspend) {}

  private static final int MAX_CALLERS = 100_000;

  private final Clock clock;
  private final SecurityEventSink events;
  private final IncidentState incidents;
  private volatile Settings settings;
  private final Map<String, Caller> callers =
      Collections.synchronizedMap(
          new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Caller> e) {
              return size() > MAX_CALLERS;
            }
          });

  public AnomalyDetector(
      Settings settings, Clock clock, SecurityEventSink events, IncidentState incidents) {
    this.settings = settings;
    this.clock = clock;
    this.events = events;
    this.incidents = incidents;
  }

  private final java.util.concurrent.atomic.AtomicBoolean listening =
      new java.util.concurrent.atomic.AtomicBoolean();

  /**
   * Starts receiving the gateway's security events (failed logins); later calls do nothing. Called
   * when a config using this detector is accepted, so a rejected one never starts it.
   */
  public void listenTo(dev.lmgate.spi.FilterEnvironment env) {
    if (listening.compareAndSet(false, true)) {
      env.subscribe(this);
    }
  }

  /** The thresholds in force. */
  public Settings settings() {
    return settings;
  }

  /** A reload's new thresholds; the windows carry on. */
  public void configure(Settings s) {
    this.settings = s;
  }

  /** One caller's windows. */
  private static final class Caller {
    final ArrayDeque<Instant> blocked = new ArrayDeque<>();
    final ArrayDeque<Instant> authFailures = new ArrayDeque<>();
    final ArrayDeque<long[]> tokens = new ArrayDeque<>(); // {epoch millis, tokens}
    long tokensInWindow; // sliding
    long tumbling; // tokens in the current tumbling window
    double usualTokens = -1; // average tokens per window; -1 until a window has passed
    Instant windowStart; // of the current tumbling window
    long requests;
    final Set<String> models = new HashSet<>();
    final Map<String, Instant> lastRaised = new LinkedHashMap<>();
  }

  private Caller caller(String key) {
    return callers.computeIfAbsent(key, k -> new Caller());
  }

  /** An exchange ended. */
  public void exchange(ExchangeSummary s) {
    Principal p = s.principal();
    if (p == null) {
      return;
    }
    Settings cfg = settings;
    Instant now = clock.instant();
    Caller c = caller(p.id());
    synchronized (c) {
      c.requests++;
      boolean blocked =
          s.decision() == ExchangeSummary.Decision.BLOCKED_REQUEST
              || s.decision() == ExchangeSummary.Decision.BLOCKED_RESPONSE;
      if (blocked && cfg.blockedRequests() > 0 && !blockedByIncidentControls(s)) {
        if (count(c.blocked, now, cfg.window()) > cfg.blockedRequests()) {
          raise(
              c,
              p,
              "blocked_burst",
              c.blocked.size() + " blocked requests in " + span(cfg),
              now,
              true);
        }
      }
      if (s.usage() != null && cfg.spikeFactor() > 0) {
        spike(c, p, s.usage().input() + s.usage().output(), now, cfg);
      }
      if (cfg.learnRequests() > 0 && !s.model().isEmpty() && c.models.add(s.model())) {
        if (c.requests > cfg.learnRequests()) {
          raise(c, p, "unusual_model", "first use of model " + s.model(), now, false);
        }
      }
    }
  }

  /** A failed login, from the authenticate filter. */
  @Override
  public void emit(SecurityEvent e) {
    if (e.type() != SecurityEvent.Type.AUTHENTICATION_FAILED) {
      return;
    }
    Settings cfg = settings;
    if (cfg.authFailures() <= 0) {
      return;
    }
    String who =
        e.detail().startsWith("claimed key:")
            ? "key:" + e.detail().substring("claimed key:".length())
            : "address:" + host(e.clientAddress());
    Instant now = clock.instant();
    Caller c = caller("auth/" + who);
    synchronized (c) {
      if (count(c.authFailures, now, cfg.window()) > cfg.authFailures()) {
        raiseFor(
            c,
            who,
            "auth_failure_burst",
            c.authFailures.size() + " failed authentications in " + span(cfg),
            now);
      }
    }
  }

  private static boolean blockedByIncidentControls(ExchangeSummary s) {
    // a suspended caller who keeps calling is already handled: no new burst from it
    return s.filters().stream()
        .anyMatch(f -> f.filterId().equals("kill-switch") && f.verdict().name().equals("BLOCK"));
  }

  private void spike(Caller c, Principal p, long tokens, Instant now, Settings cfg) {
    if (c.windowStart == null) {
      c.windowStart = now;
    }
    // fold the tumbling windows that have passed into the usual amount (idle ones count as 0)
    int folded = 0;
    while (!now.isBefore(c.windowStart.plus(cfg.window()))) {
      double done = folded == 0 ? c.tumbling : 0;
      c.usualTokens = c.usualTokens < 0 ? done : 0.8 * c.usualTokens + 0.2 * done;
      c.tumbling = 0;
      c.windowStart = c.windowStart.plus(cfg.window());
      if (++folded > 32) { // long idle: the usual amount has decayed to nothing anyway
        c.windowStart = now;
      }
    }
    c.tumbling += tokens;
    c.tokens.addLast(new long[] {now.toEpochMilli(), tokens});
    c.tokensInWindow += tokens;
    long cutoff = now.minus(cfg.window()).toEpochMilli();
    while (!c.tokens.isEmpty() && c.tokens.peekFirst()[0] <= cutoff) {
      c.tokensInWindow -= c.tokens.removeFirst()[1];
    }
    if (c.usualTokens >= 0
        && c.tokensInWindow >= cfg.spikeMinTokens()
        && c.tokensInWindow > cfg.spikeFactor() * Math.max(1, c.usualTokens)) {
      raise(
          c,
          p,
          "token_spike",
          c.tokensInWindow
              + " tokens in "
              + span(cfg)
              + " (usually about "
              + Math.round(c.usualTokens)
              + ")",
          now,
          true);
    }
  }

  /** Adds now to a window and returns how many events it holds. */
  private static int count(ArrayDeque<Instant> q, Instant now, Duration window) {
    q.addLast(now);
    Instant cutoff = now.minus(window);
    while (!q.isEmpty() && !q.peekFirst().isAfter(cutoff)) {
      q.removeFirst();
    }
    return q.size();
  }

  private void raise(
      Caller c, Principal p, String kind, String what, Instant now, boolean suspend) {
    if (!due(c, kind, now)) {
      return;
    }
    Settings cfg = settings;
    String detail = what;
    if (suspend && cfg.suspend() != null && !cfg.suspend().isZero()) {
      boolean suspended =
          p.kind() == Principal.Kind.JWT
              ? incidents.killFor(
                  IncidentState.Kind.SUBJECT, p.subject(), "anomaly-detection", cfg.suspend())
              : incidents.killFor(
                  IncidentState.Kind.KEY,
                  p.id().substring(p.id().indexOf(':') + 1), // as `lmgate keys list` shows it
                  "anomaly-detection",
                  cfg.suspend());
      if (suspended) {
        detail += "; suspended for " + cfg.suspend().toMinutes() + " min";
      }
    }
    events.emit(
        new SecurityEvent(now, SecurityEvent.Type.ANOMALY, kind, "", p.id(), "", "", detail));
  }

  private void raiseFor(Caller c, String who, String kind, String what, Instant now) {
    if (!due(c, kind, now)) {
      return;
    }
    String principal = who.startsWith("key:") ? who : "";
    String address = who.startsWith("address:") ? who.substring("address:".length()) : "";
    events.emit(
        new SecurityEvent(now, SecurityEvent.Type.ANOMALY, kind, "", principal, "", address, what));
  }

  /** Once per window per caller and kind. */
  private boolean due(Caller c, String kind, Instant now) {
    Instant last = c.lastRaised.get(kind);
    if (last != null && now.isBefore(last.plus(settings.window()))) {
      return false;
    }
    c.lastRaised.put(kind, now);
    return true;
  }

  private static String span(Settings cfg) {
    return cfg.window().toSeconds() + " s";
  }

  private static String host(String address) {
    int colon = address.lastIndexOf(':');
    return colon > 0 ? address.substring(0, colon) : address;
  }
}
