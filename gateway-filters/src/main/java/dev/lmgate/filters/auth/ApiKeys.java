package dev.lmgate.filters.auth;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.zip.CRC32;

/**
 * The format of lmgate API keys: {@code lmgk_<id>_<secret><check>}, where {@code id} is 12 and
 * {@code secret} 32 base62 characters (190 bits from {@link SecureRandom}) and {@code check} is the
 * CRC-32 of everything before it in 6 base62 characters. The fixed prefix lets secret scanners find
 * leaked keys and the checksum lets them (and the gateway) discard look-alikes without a lookup.
 * The id is not secret: it names the key in lists, logs and audit records.
 */
public final class ApiKeys {
  public static final String PREFIX = "lmgk_";
  static final int ID_LENGTH = 12;
  static final int SECRET_LENGTH = 32;
  static final int CHECK_LENGTH = 6;
  static final int LENGTH = PREFIX.length() + ID_LENGTH + 1 + SECRET_LENGTH + CHECK_LENGTH;
  private static final String ALPHABET =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  private static final SecureRandom RANDOM = new SecureRandom();

  private ApiKeys() {}

  /** A key's two parts. */
  public record Parsed(String id, String secret) {
    @Override
    public String toString() {
      return "Parsed[id=" + id + ", secret=***]";
    }
  }

  /** A new random key id. */
  public static String newId() {
    return random(ID_LENGTH);
  }

  /** A new key for the given id. */
  public static String newKey(String id) {
    String body = PREFIX + id + "_" + random(SECRET_LENGTH);
    return body + check(body);
  }

  /** Whether a credential looks like an lmgate key (prefix), valid or not. */
  public static boolean looksLikeKey(String credential) {
    return credential.startsWith(PREFIX);
  }

  /** Splits a well-formed key; empty if the length, alphabet or checksum is wrong. */
  public static Optional<Parsed> parse(String key) {
    if (key.length() != LENGTH || !key.startsWith(PREFIX)) {
      return Optional.empty();
    }
    int sep = PREFIX.length() + ID_LENGTH;
    if (key.charAt(sep) != '_') {
      return Optional.empty();
    }
    for (int i = PREFIX.length(); i < key.length(); i++) {
      if (i != sep && ALPHABET.indexOf(key.charAt(i)) < 0) {
        return Optional.empty();
      }
    }
    String body = key.substring(0, key.length() - CHECK_LENGTH);
    if (!check(body).equals(key.substring(body.length()))) {
      return Optional.empty();
    }
    return Optional.of(
        new Parsed(key.substring(PREFIX.length(), sep), key.substring(sep + 1, body.length())));
  }

  static String check(String body) {
    CRC32 crc = new CRC32();
    crc.update(body.getBytes(StandardCharsets.US_ASCII));
    long v = crc.getValue();
    char[] out = new char[CHECK_LENGTH];
    for (int i = CHECK_LENGTH - 1; i >= 0; i--) {
      out[i] = ALPHABET.charAt((int) (v % 62));
      v /= 62;
    }
    return new String(out);
  }

  private static String random(int n) {
    char[] c = new char[n];
    for (int i = 0; i < n; i++) {
      c[i] = ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length()));
    }
    return new String(c);
  }
}
