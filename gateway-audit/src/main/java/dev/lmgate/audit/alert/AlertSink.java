package dev.lmgate.audit.alert;

/** Where alerts go; must not block. */
@FunctionalInterface
public interface AlertSink {
  void raise(Alert alert);
}
