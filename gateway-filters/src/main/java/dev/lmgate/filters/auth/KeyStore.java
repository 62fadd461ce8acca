package dev.lmgate.filters.auth;

import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Where API keys live. The default is {@link FileKeyStore}, a local file; a shared store (a
 * database) implements the same contract so that replicas see one set of keys.
 *
 * <p>Contract: {@link #find} and {@link #verify} never block (they read a snapshot); changes made
 * through any instance or process become visible to readers within a second.
 */
public interface KeyStore extends AutoCloseable {

  /** The record of a key id, revoked and expired ones included. */
  Optional<KeyRecord> find(String id);

  /** Whether the secret is the one hashed in the record, compared in constant time. */
  boolean verify(KeyRecord record, String secret);

  /**
   * Why the store cannot vouch for its keys now (it could not be read for longer than its
   * documented bound, so a revocation may be missing), or empty when it can. While present, every
   * API key is refused with a 503.
   */
  default Optional<String> unavailable() {
    return Optional.empty();
  }

  /** Every record, for administration. */
  List<KeyRecord> list();

  /**
   * Adds a key: hashes the secret with a new salt and stores the record.
   *
   * @param record the record to store; its salt and hash are replaced
   */
  KeyRecord add(KeyRecord record, String secret);

  /** Changes stored records atomically (rotation, revocation). */
  void update(UnaryOperator<List<KeyRecord>> change);

  @Override
  void close();
}
