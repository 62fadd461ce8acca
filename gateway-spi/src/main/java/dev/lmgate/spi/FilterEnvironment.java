package dev.lmgate.spi;

import java.time.Clock;
import java.util.function.Supplier;

/**
 * What the gateway gives every filter it builds: the clock (injected so that expiry, windows and
 * retention are testable without sleeping), the security-event sink, and state that outlives a hot
 * reload.
 */
public interface FilterEnvironment {

  Clock clock();

  SecurityEventSink events();

  /**
   * State shared by successive configurations of the gateway, such as rate-limit counters, which a
   * hot reload must not reset. The first call for a key creates the value; later calls, also from
   * filters built by a later reload, get the same object.
   */
  <T> T shared(String key, Class<T> type, Supplier<T> create);

  /**
   * Receives every security event the gateway emits from now on (authentication failures among
   * them, which no later filter sees). For shared state: subscribe once, when it is created. The
   * sink runs on the emitting thread and must not block.
   */
  default void subscribe(SecurityEventSink sink) {}

  /**
   * Applies a change to state shared across configs ({@link #shared}) once the config being loaded
   * is accepted — the gateway starts with it, or a reload succeeds — and never when it is rejected:
   * a rejected reload leaves the running gateway exactly as it was. One-off environments (a tool, a
   * test) apply the change at once.
   */
  default void whenAccepted(Runnable change) {
    change.run();
  }

  /**
   * Reads a setting that holds a secret (a pepper, a signing key): {@code value} is a reference
   * written {@code ${secret:SCHEME:LOCATION}} (docs/secrets.md), resolved now — this blocks, so
   * call it while building a filter, never on an event loop. The gateway keeps the secret fresh in
   * the background; a filter rebuilt by a reload gets the current value. A plain value is refused
   * unless the operator allowed plain values for development.
   *
   * @param setting the setting's path, for the error message
   * @throws ConfigException when the value is not a reference or the secret cannot be read
   */
  default Secret secret(String setting, String value) throws ConfigException {
    throw new ConfigException(setting, "***", "no secret references in this environment");
  }

  /**
   * The earlier values the secret's store still keeps (AWS Secrets Manager's {@code AWSPREVIOUS},
   * older Vault KV versions), newest first: for keys a filter verifies with, so that what was made
   * under them keeps working after a rotation. Blocks, like {@link #secret}.
   */
  default java.util.List<Secret> previousSecrets(String setting, String value)
      throws ConfigException {
    return java.util.List.of();
  }

  /** An environment for tests and tools: the given clock, no events, process-local state. */
  static FilterEnvironment of(Clock clock, SecurityEventSink events) {
    java.util.concurrent.ConcurrentHashMap<String, Object> state =
        new java.util.concurrent.ConcurrentHashMap<>();
    return new FilterEnvironment() {
      @Override
      public Clock clock() {
        return clock;
      }

      @Override
      public SecurityEventSink events() {
        return events;
      }

      @Override
      public <T> T shared(String key, Class<T> type, Supplier<T> create) {
        return type.cast(state.computeIfAbsent(key + "/" + type.getName(), k -> create.get()));
      }
    };
  }
}
