package dev.lmgate.filters.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * How API key secrets are stored and checked, whatever holds the records (a file, a database): a
 * random salt per key, HMAC-SHA256 keyed by a pepper kept apart from the records; keys hashed under
 * earlier peppers still verify.
 */
public final class KeyHashes {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final byte[] pepper;
  private final List<byte[]> previous;

  /**
   * @param pepper the current pepper
   * @param previous peppers keys may have been hashed under before
   */
  public KeyHashes(byte[] pepper, List<byte[]> previous) {
    this.pepper = pepper.clone();
    this.previous = previous.stream().map(byte[]::clone).toList();
  }

  /** HMAC-SHA256 of the salt and the secret, keyed by {@code pepper}. */
  static byte[] hash(byte[] pepper, byte[] salt, String secret) {
    try {
      Mac m = Mac.getInstance("HmacSHA256");
      m.init(new SecretKeySpec(pepper, "HmacSHA256"));
      m.update(salt);
      return m.doFinal(secret.getBytes(StandardCharsets.US_ASCII));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  /** Whether the secret is the one hashed in the record, compared in constant time. */
  public boolean verify(KeyRecord record, String secret) {
    byte[] expected = Base64.getDecoder().decode(record.hash());
    byte[] salt = Base64.getDecoder().decode(record.salt());
    if (MessageDigest.isEqual(expected, hash(pepper, salt, secret))) {
      return true;
    }
    for (byte[] old : previous) {
      if (MessageDigest.isEqual(expected, hash(old, salt, secret))) {
        return true;
      }
    }
    return false;
  }

  /** The record with a new salt and the secret's hash under the current pepper. */
  public KeyRecord hashed(KeyRecord record, String secret) {
    byte[] salt = new byte[16];
    RANDOM.nextBytes(salt);
    return new KeyRecord(
        record.id(),
        record.name(),
        record.owner(),
        record.roles(),
        record.scopes(),
        record.created(),
        record.expires(),
        record.revoked(),
        record.replacedBy(),
        Base64.getEncoder().encodeToString(salt),
        Base64.getEncoder().encodeToString(hash(pepper, salt, secret)));
  }

  /** The change that adds {@code stored} to a store's records, refused when its id exists. */
  public static java.util.function.UnaryOperator<List<KeyRecord>> adding(KeyRecord stored) {
    return l -> {
      if (l.stream().anyMatch(r -> r.id().equals(stored.id()))) {
        throw new IllegalStateException("key id " + stored.id() + " exists");
      }
      List<KeyRecord> n = new java.util.ArrayList<>(l);
      n.add(stored);
      return n;
    };
  }
}
