package dev.lmgate.audit.log;

import java.io.IOException;

/** The log cannot be opened or written: it failed verification, or the disk refused. */
public final class AuditLogException extends IOException {
  private final boolean tampered;

  public AuditLogException(String message, boolean tampered) {
    super(message);
    this.tampered = tampered;
  }

  public AuditLogException(String message, Throwable cause) {
    super(message, cause);
    this.tampered = false;
  }

  /** Whether the log on disk failed verification (rather than the disk failing). */
  public boolean tampered() {
    return tampered;
  }
}
