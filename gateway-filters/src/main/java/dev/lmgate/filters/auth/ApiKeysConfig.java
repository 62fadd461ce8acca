package dev.lmgate.filters.auth;

import dev.lmgate.spi.ConfigException;
import dev.lmgate.spi.ConfigReader;
import dev.lmgate.spi.FilterEnvironment;
import dev.lmgate.spi.SecurityEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The {@code api-keys} block of {@code authenticate}: the store file, its pepper and the peppers
 * before it (secret references, each at least 32 characters; the pepper's own history first), and
 * {@code stale-after}. Opens the store watched and shared across reloads, one per file, peppers and
 * bound, its health and key changes told as security events; a store that cannot be opened is a
 * {@link ConfigException} on {@code store}.
 */
final class ApiKeysConfig {
  private ApiKeysConfig() {}

  /** The key store the {@code api-keys} block {@code k} names. */
  static KeyStore store(ConfigReader k, FilterEnvironment env) throws ConfigException {
    k.only(Set.of("store", "pepper", "previous-peppers", "stale-after"));
    Duration staleAfter = k.duration("stale-after", FileKeyStore.DEFAULT_STALE_AFTER);
    Path file = Path.of(k.string("store", "lmgate-keys.json")).toAbsolutePath().normalize();
    String pepperSetting = k.string("pepper", "");
    String pepper =
        pepperSetting.isEmpty() ? "" : env.secret(k.path() + ".pepper", pepperSetting).reveal();
    if (!pepper.isEmpty() && pepper.length() < 32) {
      throw new ConfigException(k.path() + ".pepper", "***", "at least 32 characters");
    }
    List<String> previous = new ArrayList<>();
    if (!pepperSetting.isEmpty()) { // the store's own history of the pepper first
      for (var old : env.previousSecrets(k.path() + ".pepper", pepperSetting)) {
        if (old.reveal().length() >= 32) {
          previous.add(old.reveal());
        }
      }
    }
    for (String p : k.has("previous-peppers") ? k.strings("previous-peppers") : List.<String>of()) {
      String old = env.secret(k.path() + ".previous-peppers", p).reveal();
      if (old.length() < 32) {
        throw new ConfigException(k.path() + ".previous-peppers", "***", "at least 32 characters");
      }
      previous.add(old);
    }
    SharedKeyStores shared = env.shared(SharedKeyStores.KEY, SharedKeyStores.class, () -> null);
    if (shared != null) {
      return sharedStore(k, env, shared, pepper, previous, staleAfter);
    }
    // Shared across reloads (one file watcher per store and pepper); closed with the gateway.
    try {
      return env.shared(
          "authenticate.key-store:"
              + file
              + "#"
              + Integer.toHexString(pepper.hashCode())
              + "/"
              + Integer.toHexString(previous.hashCode())
              + "/"
              + staleAfter,
          FileKeyStore.class,
          () -> {
            try {
              FileKeyStore opened =
                  FileKeyStore.open(file, pepper, previous, true, env.clock(), staleAfter);
              // Failures are secret_refresh_failed (counted, alerted; failing closed is
              // a critical alert of its own); reading again changes the valid keys back.
              opened.onHealth(
                  (reason, detail) ->
                      env.events()
                          .emit(
                              new SecurityEvent(
                                  env.clock().instant(),
                                  "key_store_readable".equals(reason)
                                      ? SecurityEvent.Type.CREDENTIAL_CHANGED
                                      : SecurityEvent.Type.SECRET_REFRESH_FAILED,
                                  reason,
                                  "",
                                  "",
                                  "",
                                  "",
                                  detail)));
              opened.onChange(
                  (reason, rec) ->
                      env.events()
                          .emit(
                              new SecurityEvent(
                                  env.clock().instant(),
                                  SecurityEvent.Type.CREDENTIAL_CHANGED,
                                  reason,
                                  "",
                                  "key:" + rec.id(),
                                  "",
                                  "",
                                  "key " + rec.id() + " (" + rec.name() + ")")));
              return opened;
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
    } catch (UncheckedIOException | IllegalArgumentException e) {
      throw new ConfigException(
          k.path() + ".store", file, "a readable lmgate key store (" + e.getMessage() + ")");
    }
  }

  /**
   * The keys every replica shares: the same pepper on every replica is required (a generated pepper
   * file would differ per replica), and the {@code store} file is not used for them.
   */
  private static KeyStore sharedStore(
      ConfigReader k,
      FilterEnvironment env,
      SharedKeyStores shared,
      String pepperSetting,
      List<String> previous,
      Duration staleAfter)
      throws ConfigException {
    String pepper = pepperSetting;
    if (pepper.isEmpty()) { // no pepper setting: LMGATE_KEY_PEPPER, the same on every replica
      try {
        pepper = env.secret(k.path() + ".pepper", "${secret:env:LMGATE_KEY_PEPPER}").reveal();
      } catch (RuntimeException | ConfigException e) {
        pepper = "";
      }
    }
    if (pepper.length() < 32) {
      throw new ConfigException(
          k.path() + ".pepper",
          pepper.isEmpty() ? "(none)" : "***",
          "at least 32 characters, the same on every replica, when API keys live in PostgreSQL:"
              + " LMGATE_KEY_PEPPER or a secret reference");
    }
    String sharedPepper = pepper;
    List<byte[]> old =
        previous.stream().map(p -> p.getBytes(java.nio.charset.StandardCharsets.UTF_8)).toList();
    return env.shared(
        "authenticate.key-store:shared#"
            + Integer.toHexString(sharedPepper.hashCode())
            + "/"
            + Integer.toHexString(previous.hashCode())
            + "/"
            + staleAfter,
        KeyStore.class,
        () -> {
          org.slf4j.LoggerFactory.getLogger(ApiKeysConfig.class)
              .info("API keys live in {}; {}.store is not used for them", shared.where(), k.path());
          return shared.open(
              new KeyHashes(sharedPepper.getBytes(java.nio.charset.StandardCharsets.UTF_8), old),
              staleAfter);
        });
  }
}
