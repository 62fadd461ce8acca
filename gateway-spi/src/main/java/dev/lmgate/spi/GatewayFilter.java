package dev.lmgate.spi;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A security filter. The chain runner calls each configured filter in YAML order for the request
 * phase, and again, in the same order, for the whole response or for the stream.
 *
 * <p>Contract: methods return without blocking; blocking work runs on an executor of the filter's
 * and the returned stage completes there (the core resumes on the connection's event loop). A stage
 * that fails, or does not complete within {@link FilterSettings#timeout()}, is handled per {@link
 * FilterSettings#onError()}. Filters never see Netty buffers.
 */
public interface GatewayFilter {

  /** Stable kebab-case id, used in YAML, metrics, response headers and audit records. */
  String id();

  FilterSettings settings();

  /**
   * What in this filter's effective config lets through what the filter exists to stop, beyond
   * {@link #settings()} (action and on-error, which reports judge themselves): one entry per
   * setting, starting with the setting in backticks (e.g. {@code `trusted-roles: [system]`}) and
   * saying what it lets through. Empty when the filter runs at full strength. Reports (the
   * compliance report) read this rather than the YAML, so a default is reported as the filter runs
   * it.
   */
  default List<String> weakenings() {
    return List.of();
  }

  /**
   * Filters this one, as configured, needs earlier in the chain, beyond those its description names
   * ({@link FilterDescription#after()}): the config is refused otherwise.
   */
  default java.util.Set<String> follows() {
    return java.util.Set.of();
  }

  /** The request phase: pass, modify the body, alert, or block with a rejection. */
  default CompletionStage<Verdict> onRequest(RequestView request) {
    return CompletableFuture.completedFuture(Verdict.pass());
  }

  /**
   * Whether this filter wants to see the answer to this request: a whole non-streamed answer (the
   * core buffers it and calls {@link #onResponse}) or, for a stream, the usage the stream reports
   * (the core parses it and reports it in {@link ExchangeSummary#usage()}).
   */
  default boolean inspectsResponse(RequestView request) {
    return false;
  }

  /** The response phase for non-streamed answers. */
  default CompletionStage<Verdict> onResponse(ResponseView response) {
    return CompletableFuture.completedFuture(Verdict.pass());
  }

  /**
   * Called once for every exchange whose request phase reached this filter, when the exchange has
   * ended in any way (answered, blocked by a later filter, failed, client gone). Must not block.
   */
  default void onExchangeEnd(RequestView request, ExchangeSummary summary) {}

  /** An inspector for a streamed answer to this request, if this filter inspects streams. */
  default Optional<StreamInspector> streamInspector(RequestView request) {
    return Optional.empty();
  }

  /** An asynchronous reviewer of a streamed answer to this request, if this filter has one. */
  default Optional<StreamReview> streamReview(RequestView request) {
    return Optional.empty();
  }
}
