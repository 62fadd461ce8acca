package dev.lmgate.app.config;

import dev.lmgate.secrets.RefreshingSecret;
import dev.lmgate.secrets.SecretRef;
import dev.lmgate.secrets.Secrets;
import dev.lmgate.spi.ConfigException;
import dev.lmgate.spi.FilterEnvironment;
import dev.lmgate.spi.Secret;
import dev.lmgate.spi.SecurityEvent;
import dev.lmgate.spi.SecurityEventSink;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The environment every filter of one gateway process gets, across hot reloads: the clock, state
 * that must survive a reload (key stores, JWKS caches, rate-limit counters), and the security-event
 * fan-out, and the secrets that settings refer to. Every event is logged on {@code lmgate.security}
 * (failures, denials and limits at WARN, successes at DEBUG: one per request) and passed to the
 * attached sinks (metrics, the audit trail). Closing it closes the shared state that holds threads
 * or files.
 */
public final class GatewayEnvironment implements FilterEnvironment, AutoCloseable {
  private static final Logger security = LoggerFactory.getLogger("lmgate.security");

  private final Clock clock;
  private final ConcurrentHashMap<String, Object> state = new ConcurrentHashMap<>();
  private SecretSettings secretSettings; // the first config's: where secrets come from
  private Function<String, String> variables = System::getenv;
  private volatile boolean allowPlainSecrets;
  private Secrets secrets; // created when the first secret is resolved
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
  public void subscribe(SecurityEventSink sink) {
    attach(sink);
  }

  /** Changes to shared state the config being loaded makes once it is accepted. */
  private final List<Runnable> pendingChanges = new ArrayList<>();

  @Override
  public synchronized void whenAccepted(Runnable change) {
    pendingChanges.add(change);
  }

  /**
   * A config starts loading: what an earlier one that was never accepted left pending is dropped.
   */
  public synchronized void loading() {
    pendingChanges.clear();
  }

  /** The config loaded last is accepted: its changes to shared state apply now. */
  public synchronized void accepted() {
    List<Runnable> changes = List.copyOf(pendingChanges);
    pendingChanges.clear();
    changes.forEach(Runnable::run);
  }

  @Override
  public <T> T shared(String key, Class<T> type, Supplier<T> create) {
    return type.cast(state.computeIfAbsent(key + "/" + type.getName(), k -> create.get()));
  }

  /**
   * Where secrets come from, from the config being loaded. The managers' settings of the first
   * config hold for the life of the process (changing them needs a restart); whether plain values
   * are allowed follows each config.
   */
  public synchronized void useSecrets(SecretSettings settings, Function<String, String> env) {
    if (secretSettings == null) {
      secretSettings = settings;
      variables = env;
    } else if (!secretSettings.equals(settings)) {
      LoggerFactory.getLogger(GatewayEnvironment.class)
          .warn("secrets: changed settings take effect on restart");
    }
    allowPlainSecrets = settings.allowPlainValues();
  }

  /** The process's secrets, resolved and refreshed in the background (created on first use). */
  public synchronized Secrets secrets() {
    if (secrets == null) {
      SecretSettings s = secretSettings != null ? secretSettings : SecretSettings.DEFAULTS;
      secrets = Secrets.create(variables, s.refresh(), s.managers(variables), this::refreshFailed);
    }
    return secrets;
  }

  /** A failed background refresh becomes a security event: logged, counted, audited, alerted. */
  private void refreshFailed(SecretRef ref, IOException e) {
    dispatch(
        new SecurityEvent(
            clock.instant(),
            SecurityEvent.Type.SECRET_REFRESH_FAILED,
            "refresh_failed",
            "",
            "",
            "",
            "",
            ref + ": " + e.getMessage()));
  }

  /**
   * The reference a secret setting holds: {@code ${secret:…}}, or — only where the config allows
   * plain values for development — the plain value itself (logged as a warning, never printed).
   */
  public SecretRef reference(String setting, String value) throws ConfigException {
    SecretRef ref;
    try {
      ref = SecretRef.fromConfigValue(value);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(setting, value, e.getMessage());
    }
    if (ref != null) {
      return ref;
    }
    if (!allowPlainSecrets) {
      throw new ConfigException(
          setting,
          "***",
          "a secret reference such as ${secret:env:NAME} or ${secret:file:/run/secrets/NAME};"
              + " plain secrets are refused (secrets.allow-plain-values: true allows them for"
              + " development)");
    }
    LoggerFactory.getLogger(GatewayEnvironment.class)
        .warn("{} holds a plain secret: allowed for development only", setting);
    return SecretRef.literal(value);
  }

  /** Resolves a secret setting now (blocking) to a handle that is kept fresh. */
  public RefreshingSecret resolve(String setting, SecretRef ref) throws ConfigException {
    try {
      return secrets().resolve(ref);
    } catch (IOException e) {
      throw new ConfigException(setting, ref, "a readable secret (" + e.getMessage() + ")");
    }
  }

  @Override
  public Secret secret(String setting, String value) throws ConfigException {
    return resolve(setting, reference(setting, value)).get();
  }

  @Override
  public List<Secret> previousSecrets(String setting, String value) throws ConfigException {
    SecretRef ref = reference(setting, value);
    try {
      return secrets().previous(ref);
    } catch (IOException e) {
      throw new ConfigException(
          setting, ref, "a secret whose earlier versions can be read (" + e.getMessage() + ")");
    }
  }

  private void dispatch(SecurityEvent e) {
    if (security.isWarnEnabled()) {
      String line =
          "{} reason={} principal={} route={} client={} request={} {}"
              + (e.claimedOperator().isEmpty() ? "" : " claimed_operator(unverified)={}");
      security.warn(
          line,
          e.type(),
          e.reason(),
          e.principalId(),
          e.routeId(),
          e.clientAddress(),
          e.requestId(),
          e.detail(),
          e.claimedOperator());
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
    synchronized (this) {
      if (secrets != null) {
        secrets.close();
        secrets = null;
      }
    }
  }
}
