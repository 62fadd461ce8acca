package dev.lmgate.spi;

import java.time.Instant;
import java.util.List;

/**
 * What the core knows about a finished exchange; the audit trail and metrics consume it.
 *
 * @param requestId the exchange id
 * @param start when the request arrived
 * @param route the route, or {@code null} for an unknown route
 * @param method HTTP method
 * @param path request path (without query)
 * @param clientAddress the peer address
 * @param status the status the client received (for a stream: the status line sent)
 * @param decision final decision
 * @param filters every filter that ran, in order, with its verdict and duration
 * @param streamed whether the answer was streamed
 * @param nanos total time from request to last byte
 * @param principal the authenticated caller, or {@code null}
 * @param model the model the request named, or empty
 * @param usage tokens consumed, when the answer was inspected and reported or allowed an estimate;
 *     {@code null} otherwise
 * @param conversation the request as forwarded (after filter edits), or {@link
 *     Conversation#empty()} when the body was not parsed
 * @param response the answer's texts as the client received them (for a stream: assembled from the
 *     events released, redactions applied; for a blocked answer: what went out before the block,
 *     usually nothing); empty when the answer was not inspected
 */
public record ExchangeSummary(
    String requestId,
    Instant start,
    Route route,
    String method,
    String path,
    String clientAddress,
    int status,
    Decision decision,
    List<FilterOutcome> filters,
    boolean streamed,
    long nanos,
    Principal principal,
    String model,
    TokenUsage usage,
    Conversation conversation,
    List<OutputText> response) {

  /** How an exchange ended. A blocked exchange is never recorded as forwarded. */
  public enum Decision {
    FORWARDED,
    BLOCKED_REQUEST,
    BLOCKED_RESPONSE,
    REJECTED,
    UPSTREAM_ERROR,
    CLIENT_ABORTED
  }

  public ExchangeSummary {
    filters = List.copyOf(filters);
    model = model == null ? "" : model;
    conversation = conversation == null ? Conversation.empty() : conversation;
    response = response == null ? List.of() : List.copyOf(response);
  }

  /** A summary without payloads. */
  public ExchangeSummary(
      String requestId,
      Instant start,
      Route route,
      String method,
      String path,
      String clientAddress,
      int status,
      Decision decision,
      List<FilterOutcome> filters,
      boolean streamed,
      long nanos,
      Principal principal,
      String model,
      TokenUsage usage) {
    this(
        requestId,
        start,
        route,
        method,
        path,
        clientAddress,
        status,
        decision,
        filters,
        streamed,
        nanos,
        principal,
        model,
        usage,
        null,
        null);
  }
}
