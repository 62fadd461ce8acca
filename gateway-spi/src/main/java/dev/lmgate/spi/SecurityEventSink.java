package dev.lmgate.spi;

/** Where filters report security events. Must not block; called on the event loop. */
@FunctionalInterface
public interface SecurityEventSink {
  void emit(SecurityEvent event);

  SecurityEventSink NONE = e -> {};
}
