package dev.lmgate.core.proxy;

import dev.lmgate.spi.Rejection;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The framing and routing checks Netty's decoder leaves to the server (RFC 9112): a request whose
 * body the gateway cannot frame exactly as its client meant it, or whose target host is ambiguous,
 * is refused before anything is forwarded — and the connection closed, because what follows on it
 * cannot be trusted. The gateway forwards bodies in its own framing, so accepting a transfer coding
 * it does not apply would hand LM Studio bytes in a coding it was never told about.
 */
final class MessageFraming {
  private MessageFraming() {}

  /** Why the request cannot be served, or empty. */
  static Optional<Rejection> problem(HttpRequest request) {
    List<String> te = request.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING);
    if (!te.isEmpty()) {
      if (request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
        return Optional.of(bad("Transfer-Encoding is not allowed in an HTTP/1.0 request."));
      }
      int chunked = 0;
      for (String header : te) {
        for (String coding : header.split(",", -1)) {
          String c = coding.strip().toLowerCase(Locale.ROOT);
          if (c.equals("chunked")) {
            chunked++;
          } else {
            return Optional.of(
                new Rejection(
                    501,
                    "invalid_request_error",
                    "unsupported_transfer_coding",
                    "",
                    "Only the chunked transfer coding is supported (RFC 9112 §6.1)."));
          }
        }
      }
      if (chunked != 1) {
        return Optional.of(bad("The chunked transfer coding may be applied only once."));
      }
    }
    int hosts = request.headers().getAll(HttpHeaderNames.HOST).size();
    if (hosts > 1 || (hosts == 0 && request.protocolVersion().equals(HttpVersion.HTTP_1_1))) {
      return Optional.of(bad("An HTTP/1.1 request needs exactly one Host header (RFC 9112 §3.2)."));
    }
    return Optional.empty();
  }

  private static Rejection bad(String message) {
    return new Rejection(400, "invalid_request_error", "bad_request", "", message);
  }
}
