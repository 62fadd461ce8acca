package dev.lmgate.filters.incident;

import dev.lmgate.filters.policy.Glob;
import dev.lmgate.spi.SecurityEvent;
import dev.lmgate.spi.SecurityEventSink;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What an operator switched off during an incident: the whole gateway for everyone but
 * administrators (lockdown), or single keys, token subjects, models or routes (kill switches).
 * Shared by the {@code kill-switch} filter, which enforces it, and the admin API and CLI, which
 * change it; in memory, so a restart clears it (the audit trail keeps what happened). Every change
 * is an {@code incident_control} security event.
 */
public final class IncidentState {
  /** What can be killed. */
  public enum Kind {
    KEY,
    SUBJECT,
    MODEL,
    ROUTE;

    public static Kind parse(String s) {
      return valueOf(s.toUpperCase(Locale.ROOT));
    }
  }

  private final Clock clock;
  private final SecurityEventSink events;
  private volatile String lockdown; // the reason, or null when off
  // what is killed, and until when (Instant.MAX: until revived)
  private final Map<Kind, Map<String, Instant>> killed = new ConcurrentHashMap<>();

  public IncidentState(Clock clock, SecurityEventSink events) {
    this.clock = clock;
    this.events = events;
    for (Kind k : Kind.values()) {
      killed.put(k, new ConcurrentHashMap<>());
    }
  }

  /** Turns lockdown on (with a reason shown to callers) or off ({@code null}). */
  public void lockdown(String reason, String by) {
    boolean changed = !java.util.Objects.equals(lockdown, reason);
    lockdown = reason;
    if (changed) {
      event(reason == null ? "lockdown_off" : "lockdown_on", by, reason == null ? "" : reason);
    }
  }

  /** The lockdown's reason, or null when the gateway serves everyone. */
  public String lockdown() {
    return lockdown;
  }

  /** Kills a key (principal id), subject, model glob or route glob; false if it already was. */
  public boolean kill(Kind kind, String value, String by) {
    boolean added = killed.get(kind).put(value, Instant.MAX) == null;
    if (added) {
      event("killed", by, kind.name().toLowerCase(Locale.ROOT) + " " + value);
    }
    return added;
  }

  /**
   * Kills for a while (an automatic suspension); revived on its own afterwards. False if it was
   * already killed (a longer or permanent kill is not shortened).
   */
  public boolean killFor(Kind kind, String value, String by, Duration period) {
    Instant until = clock.instant().plus(period);
    Instant before = killed.get(kind).putIfAbsent(value, until);
    if (before != null) {
      return false;
    }
    event("killed", by, kind.name().toLowerCase(Locale.ROOT) + " " + value + " until " + until);
    return true;
  }

  /** Lifts a kill; false if there was none. */
  public boolean revive(Kind kind, String value, String by) {
    boolean removed = killed.get(kind).remove(value) != null;
    if (removed) {
      event("revived", by, kind.name().toLowerCase(Locale.ROOT) + " " + value);
    }
    return removed;
  }

  public Set<String> killed(Kind kind) {
    expire(kind);
    return Set.copyOf(killed.get(kind).keySet());
  }

  /** Revives what was killed for a while and whose time is up. */
  private void expire(Kind kind) {
    Instant now = clock.instant();
    for (Map.Entry<String, Instant> e : killed.get(kind).entrySet()) {
      if (!e.getValue().isAfter(now) && killed.get(kind).remove(e.getKey(), e.getValue())) {
        event("revived", "expiry", kind.name().toLowerCase(Locale.ROOT) + " " + e.getKey());
      }
    }
  }

  /**
   * Whether the caller may act with {@code role} under the running policy (its requirements, such
   * as {@code require-mfa}, are met): holding a role is not enough to use the power it grants.
   * Answers yes for every role until the application installs the running policy ({@link
   * #roleCheck}).
   */
  public boolean mayActAs(dev.lmgate.spi.Principal p, String role) {
    return roleCheck.test(p, role);
  }

  /** Installs how {@link #mayActAs} decides (the application: the running authorize policy). */
  public void roleCheck(java.util.function.BiPredicate<dev.lmgate.spi.Principal, String> check) {
    this.roleCheck = java.util.Objects.requireNonNull(check, "check");
  }

  private volatile java.util.function.BiPredicate<dev.lmgate.spi.Principal, String> roleCheck =
      (p, role) -> true;

  /**
   * Whether the operators suspended this caller: its key (as {@code key:ID} or as {@code lmgate
   * keys list} shows it, {@code ID}) or its subject is killed, for good or for a while. Every
   * surface where a caller acts checks this (the proxy's kill-switch, the admin port), so a
   * suspended admin key cannot revive itself.
   */
  public boolean isSuspended(dev.lmgate.spi.Principal p) {
    String id = p.id();
    return isKilled(Kind.KEY, id)
        || isKilled(Kind.KEY, id.substring(id.indexOf(':') + 1))
        || isKilled(Kind.SUBJECT, p.subject());
  }

  boolean isKilled(Kind kind, String value) {
    if (value == null || value.isEmpty()) {
      return false;
    }
    Map<String, Instant> map = killed.get(kind);
    if (map.isEmpty()) {
      return false;
    }
    expire(kind);
    if (kind == Kind.MODEL || kind == Kind.ROUTE) {
      for (String g : map.keySet()) {
        if (new Glob(g).matches(value)) {
          return true;
        }
      }
      return false;
    }
    return map.containsKey(value);
  }

  /** When each temporary kill ends, by "kind value". */
  private Map<String, String> until() {
    Map<String, String> m = new java.util.TreeMap<>();
    killed.forEach(
        (kind, map) ->
            map.forEach(
                (v, t) -> {
                  if (!t.equals(Instant.MAX)) {
                    m.put(kind.name().toLowerCase(Locale.ROOT) + " " + v, t.toString());
                  }
                }));
    return m;
  }

  private void event(String reason, String by, String detail) {
    events.emit(
        new SecurityEvent(
            clock.instant(), SecurityEvent.Type.INCIDENT_CONTROL, reason, "", by, "", "", detail));
  }

  /** Everything currently switched off, for the admin API. */
  public Map<String, Object> snapshot() {
    return Map.of(
        "lockdown",
        lockdown == null ? "off" : "on",
        "reason",
        lockdown == null ? "" : lockdown,
        "killed",
        Map.of(
            "key", List.copyOf(killed(Kind.KEY)),
            "subject", List.copyOf(killed(Kind.SUBJECT)),
            "model", List.copyOf(killed(Kind.MODEL)),
            "route", List.copyOf(killed(Kind.ROUTE))),
        "until",
        until());
  }
}
