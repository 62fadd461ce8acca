package dev.lmgate.spi;

/**
 * Receives every finished exchange (audit, metrics). Called off the hot path's critical section;
 * must not block.
 */
@FunctionalInterface
public interface ExchangeListener {
  void onExchange(ExchangeSummary summary);

  /** Receives a security event (authentication, authorization, limits); must not block. */
  default void onSecurityEvent(SecurityEvent event) {}
}
