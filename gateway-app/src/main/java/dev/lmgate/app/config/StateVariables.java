package dev.lmgate.app.config;

import java.nio.file.Path;
import java.util.Map;

/**
 * The variables {@code config/gateway.yaml} reads for where it keeps state — the key store, the
 * audit log and its checkpoints, the audit signing and master keys — all pointed into one
 * directory. For tools and tests that run the shipped config as it is, without writing into the
 * working directory (the defaults are relative paths).
 */
public final class StateVariables {
  private StateVariables() {}

  /** The state variables, each a path under {@code dir}. */
  public static Map<String, String> in(Path dir) {
    return Map.of(
        "LMGATE_KEY_STORE", dir.resolve("keys.json").toString(),
        "LMGATE_AUDIT_DIR", dir.resolve("audit").toString(),
        "LMGATE_AUDIT_CHECKPOINTS", dir.resolve("checkpoints").toString(),
        "LMGATE_AUDIT_SIGNING_KEY", dir.resolve("signing.key").toString(),
        "LMGATE_AUDIT_MASTER_KEY_REF", "file:" + dir.resolve("master.key"));
  }
}
