package dev.lmgate.audit.record;

import java.util.Locale;

/** How much of a prompt and answer an audit record keeps. */
public enum PayloadMode {
  /** The texts, AES-256-GCM encrypted under the day's key of the record's retention class. */
  ENCRYPTED,
  /** The texts with sensitive spans (emails, keys, card numbers …) masked. */
  REDACTED,
  /** The SHA-256 of the texts' canonical encoding: proves what was said without keeping it. */
  HASH_ONLY,
  /** No payloads. */
  NONE;

  public String id() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** Parses {@code encrypted}, {@code redacted}, {@code hash-only} or {@code none}. */
  public static PayloadMode parse(String s) {
    for (PayloadMode m : values()) {
      if (m.id().equals(s)) {
        return m;
      }
    }
    throw new IllegalArgumentException(
        "payloads: " + s + " (expected: encrypted, redacted, hash-only or none)");
  }
}
