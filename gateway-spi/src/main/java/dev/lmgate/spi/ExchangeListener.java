package dev.lmgate.spi;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Receives every finished exchange (audit, metrics). Called on the event loop; must not block.
 *
 * <p>The core calls {@link #record} once per exchange, just before it writes the answer's last
 * bytes, and writes them when the returned stage completes: a listener that must not let an answer
 * out before its record is durable (the strict audit) returns a stage that completes then, or fails
 * to make the gateway refuse the answer. Exchanges that end without a last write (the client went
 * away, LM Studio failed mid-stream) are recorded the same way; their stage is not waited on.
 */
@FunctionalInterface
public interface ExchangeListener {
  CompletionStage<Void> DONE = CompletableFuture.completedFuture(null);

  void onExchange(ExchangeSummary summary);

  /** Records the exchange; the default hands it to {@link #onExchange} and completes at once. */
  default CompletionStage<Void> record(ExchangeSummary summary) {
    onExchange(summary);
    return DONE;
  }

  /**
   * Whether this listener records prompts and answers; when it does, the core parses every request
   * and inspects every answer (as if a filter inspected it) so that the summary carries them.
   */
  default boolean capturesPayloads() {
    return false;
  }

  /**
   * Whether this listener needs the answer's texts of this (authenticated, authorized) request;
   * when it does, the core inspects the answer. Called after the request filters; by default {@link
   * #capturesPayloads()}.
   */
  default boolean capturesAnswer(RequestView request) {
    return capturesPayloads();
  }

  /**
   * Whether answers must not look complete to the client before {@link #record}'s stage completes:
   * the core then also holds a stream's final event and a relayed answer's last chunk, not only the
   * transfer's terminator (the strict audit).
   */
  default boolean holdsAnswers() {
    return false;
  }

  /**
   * Whether the gateway should refuse new requests now (503) because answers could not be recorded;
   * checked once per request before it is forwarded.
   */
  default boolean refusesRequests() {
    return false;
  }

  /** Receives a security event (authentication, authorization, limits); must not block. */
  default void onSecurityEvent(SecurityEvent event) {}
}
