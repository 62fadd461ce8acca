package dev.lmgate.app.config;

import dev.lmgate.audit.crypto.MasterKey;
import dev.lmgate.secrets.EnvSecretProvider;
import dev.lmgate.secrets.FileSecretProvider;
import dev.lmgate.secrets.SecretProvider;
import dev.lmgate.secrets.SecretRef;
import dev.lmgate.spi.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Key material of the audit trail read from references: master keys from {@code env:NAME} or {@code
 * file:PATH} (a missing file is created only where the trail may create one) and settings written
 * {@code ${secret:…}} through the gateway's secrets. Values are never logged.
 */
public final class AuditKeys {
  private static final Logger log = LoggerFactory.getLogger(AuditKeys.class);

  private AuditKeys() {}

  static String read(AuditSettings.SecretSource secrets, String setting, String ref)
      throws IOException {
    try {
      return secrets.read(setting, ref).reveal().strip();
    } catch (ConfigException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  static MasterKey fromSecret(AuditSettings.SecretSource secrets, String setting, String ref)
      throws IOException {
    try {
      return MasterKey.fromBase64(read(secrets, setting, ref));
    } catch (IllegalArgumentException e) {
      throw new IOException(setting + " " + ref + ": " + e.getMessage());
    }
  }

  /** Resolves {@code env:NAME} or {@code file:PATH} to a master key that must already exist. */
  public static MasterKey existingMasterKey(String ref, Function<String, String> env)
      throws IOException {
    if (!ref.startsWith("env:") && !ref.startsWith("file:")) {
      throw new IOException("a master key reference is env:NAME or file:PATH");
    }
    try {
      return MasterKey.fromBase64(secret(ref, env));
    } catch (IllegalArgumentException e) {
      throw new IOException(ref + ": " + e.getMessage());
    }
  }

  /** Resolves {@code env:NAME} or {@code file:PATH} to a master key; a missing file is created. */
  public static MasterKey masterKey(String ref, Function<String, String> env) throws IOException {
    if (ref.startsWith("file:")) {
      Path f = Path.of(ref.substring(5));
      if (!Files.exists(f)) {
        log.warn(
            "created a new audit master key in {}: keep it apart from the log; without it encrypted payloads cannot be read",
            f);
      }
      return MasterKey.fromFile(f, true);
    }
    return MasterKey.fromBase64(secret(ref, env));
  }

  /** An {@code env:} or {@code file:} reference, read by the secrets module's providers. */
  static String secret(String ref, Function<String, String> env) throws IOException {
    SecretRef r;
    try {
      r = SecretRef.parse(ref);
    } catch (IllegalArgumentException e) {
      throw new IOException(e.getMessage());
    }
    SecretProvider p =
        switch (r.scheme()) {
          case "env" -> new EnvSecretProvider(env);
          case "file" -> new FileSecretProvider();
          default -> throw new IOException(ref.split(":", 2)[0] + ": expected env: or file: here");
        };
    return p.fetch(r).reveal().strip();
  }
}
