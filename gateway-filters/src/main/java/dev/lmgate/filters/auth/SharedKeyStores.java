package dev.lmgate.filters.auth;

import java.time.Duration;

/**
 * Where API keys live when replicas share them (PostgreSQL): the application registers one in the
 * filter environment under {@link #KEY}, and {@code authenticate} then takes its keys from it
 * instead of the {@code api-keys.store} file. The filter modules see only this interface: the store
 * itself lives with the engines ({@code gateway-state}).
 */
public interface SharedKeyStores {
  /** The key under which the application registers it ({@code FilterEnvironment#shared}). */
  String KEY = "authenticate.shared-key-stores";

  /**
   * Opens the shared store, once per process.
   *
   * @param hashes how its secrets are hashed and verified (the pepper every replica shares)
   * @param maxStaleness how long its last snapshot serves while the database cannot be reached
   */
  KeyStore open(KeyHashes hashes, Duration maxStaleness);

  /** Where the store is, without credentials, for the log. */
  String where();
}
