package dev.lmgate.audit.crypto;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The AES-256 key that wraps the per-period payload keys. It comes from outside the log directory
 * (an environment variable or a file, base64 of 32 bytes) so that a copy of the log alone reveals
 * no payload. Renders as {@code ***}.
 */
public final class MasterKey {
  private final SecretKey key;

  private MasterKey(byte[] raw) {
    if (raw.length != 32) {
      throw new IllegalArgumentException(
          "the audit master key is " + raw.length + " bytes (expected: 32, base64-encoded)");
    }
    this.key = new SecretKeySpec(raw, "AES");
    Arrays.fill(raw, (byte) 0);
  }

  /** From base64 text (whitespace ignored). */
  public static MasterKey fromBase64(String text) {
    try {
      return new MasterKey(Base64.getDecoder().decode(text.strip()));
    } catch (IllegalArgumentException e) {
      if (e.getMessage() != null && e.getMessage().startsWith("the audit master key")) {
        throw e;
      }
      throw new IllegalArgumentException("the audit master key is not base64");
    }
  }

  /**
   * Reads a key file, or creates one with a fresh random key when it does not exist: owner-only
   * (0600) from its creation, durable, never replacing a key another process created meanwhile.
   */
  public static MasterKey fromFile(Path file, boolean create) throws IOException {
    if (!Files.exists(file) && create) {
      byte[] raw = new byte[32];
      new SecureRandom().nextBytes(raw);
      // A process that loses a race to create it reads the winner's key.
      dev.lmgate.audit.checkpoint.FilePermissions.createSecret(
          file, (Base64.getEncoder().encodeToString(raw) + "\n").getBytes(StandardCharsets.UTF_8));
      java.util.Arrays.fill(raw, (byte) 0);
    }
    return fromBase64(Files.readString(file, StandardCharsets.UTF_8));
  }

  SecretKey key() {
    return key;
  }

  @Override
  public String toString() {
    return "***";
  }
}
