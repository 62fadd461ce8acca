package dev.lmgate.spi;

/**
 * Receives every finished exchange (audit, metrics). Called off the hot path's critical section;
 * must not block.
 */
@FunctionalInterface
public interface ExchangeListener {
  void onExchange(ExchangeSummary summary);
}
