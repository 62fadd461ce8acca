package dev.lmgate.spi;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * A secret value (an API key, a token, a password) that never prints: {@code toString} is {@code
 * ***}, so a secret in a log line, an error, a config dump or a metric label shows nothing. Read it
 * with {@link #reveal()} only where it is used.
 */
public final class Secret {
  private final byte[] value;

  private Secret(byte[] value) {
    this.value = value;
  }

  public static Secret of(String value) {
    return new Secret(value.getBytes(StandardCharsets.UTF_8));
  }

  /** The value, for the one place that sends or checks it. */
  public String reveal() {
    return new String(value, StandardCharsets.UTF_8);
  }

  public boolean isEmpty() {
    return value.length == 0;
  }

  /** Constant-time comparison with another secret. */
  public boolean sameAs(Secret other) {
    return other != null && MessageDigest.isEqual(value, other.value);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Secret s && sameAs(s);
  }

  /** The same for every secret: a hash would reveal something about the value. */
  @Override
  public int hashCode() {
    return 1;
  }

  @Override
  public String toString() {
    return "***";
  }
}
