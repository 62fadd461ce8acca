package dev.lmgate.spi;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The client→gateway request as filters see it: immutable, already copied out of the network
 * buffers. The JSON tree is shared by the filters of one exchange and must be treated as read-only;
 * a filter changes the body only by returning edits.
 */
public interface RequestView {

  /** The gateway's id of this exchange, also returned to the client as {@code x-request-id}. */
  String requestId();

  Route route();

  String method();

  /** The path as received, without the query string, not normalized. */
  String path();

  /** Header values by lower-case name. */
  Map<String, List<String>> headers();

  /** Size of the body as received, in bytes. */
  int bodySize();

  /** The parsed body, or empty when it is not JSON (or there is none). */
  Optional<JsonNode> json();

  /** The body mapped to the normalized conversation. */
  Conversation conversation();

  /** The caller, once an authentication filter established it; empty before that. */
  Optional<Principal> principal();

  /** The client's address as the gateway sees it ({@code ip:port}). */
  String clientAddress();

  /**
   * What filters keep for this exchange (a planted canary, a rate-limit lease), gone with it. The
   * same object for every phase of the exchange: request, response, stream, exchange end.
   */
  ExchangeAttributes attributes();

  /** Convenience: the first value of a header, by case-insensitive name. */
  default Optional<String> header(String name) {
    List<String> values = headers().get(name.toLowerCase(java.util.Locale.ROOT));
    return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
  }

  /**
   * The {@link System#nanoTime()} by which every scan of this request's text must have ended: the
   * request's arrival plus the gateway's scan-time budget ({@code server.max-scan-time}). A filter
   * that scans text stops at the earlier of this and its own timeout. {@link Long#MAX_VALUE}: no
   * such bound.
   */
  default long scanDeadlineNanos() {
    return Long.MAX_VALUE;
  }

  /**
   * The subject (RFC 2253) of the TLS client certificate the listener verified for this connection,
   * or empty (plain HTTP, no certificate, or client certificates not requested).
   */
  default java.util.Optional<String> clientCertificate() {
    return java.util.Optional.empty();
  }
}
