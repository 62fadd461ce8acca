package dev.lmgate.app;

import dev.lmgate.spi.FilterEnvironment;
import dev.lmgate.spi.SecurityEvent;
import dev.lmgate.spi.SecurityEventSink;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The environment every filter of one gateway process gets, across hot reloads: the clock, state
 * that must survive a reload (key stores, JWKS caches, rate-limit counters), and the security-event
 * fan-out. Every event is logged on {@code lmgate.security} (failures, denials and limits at WARN,
 * successes at DEBUG: one per request) and passed to the attached sinks (metrics, the audit trail).
 * Closing it closes the shared state that holds threads or files.
 */
public final class GatewayEnvironment implements FilterEnvironment, AutoCloseable {
  private static final Logger security = LoggerFactory.getLogger("lmgate.security");

  private final Clock clock;
  private final ConcurrentHashMap<String, Object> state = new ConcurrentHashMap<>();
  private final List<SecurityEventSink> sinks = new CopyOnWriteArrayList<>();
  private final SecurityEventSink events = this::dispatch;

  public GatewayEnvironment(Clock clock) {
    this.clock = clock;
  }

  @Override
  public Clock clock() {
    return clock;
  }

  @Override
  public SecurityEventSink events() {
    return events;
  }

  /** Adds a receiver of security events. */
  public void attach(SecurityEventSink sink) {
    sinks.add(sink);
  }

  @Override
  public <T> T shared(String key, Class<T> type, Supplier<T> create) {
    return type.cast(state.computeIfAbsent(key + "/" + type.getName(), k -> create.get()));
  }

  private void dispatch(SecurityEvent e) {
    boolean routine = e.type() == SecurityEvent.Type.AUTHENTICATION_SUCCEEDED;
    if (routine ? security.isDebugEnabled() : security.isWarnEnabled()) {
      String line = "{} reason={} principal={} route={} client={} request={} {}";
      Object[] args = {
        e.type(),
        e.reason(),
        e.principalId(),
        e.routeId(),
        e.clientAddress(),
        e.requestId(),
        e.detail()
      };
      if (routine) {
        security.debug(line, args);
      } else {
        security.warn(line, args);
      }
    }
    for (SecurityEventSink s : sinks) {
      try {
        s.emit(e);
      } catch (RuntimeException ex) {
        LoggerFactory.getLogger(GatewayEnvironment.class).error("security event sink failed", ex);
      }
    }
  }

  @Override
  public void close() {
    for (Object o : state.values()) {
      if (o instanceof AutoCloseable c) {
        try {
          c.close();
        } catch (Exception ex) {
          LoggerFactory.getLogger(GatewayEnvironment.class).warn("closing {} failed", o, ex);
        }
      }
    }
    state.clear();
  }
}
