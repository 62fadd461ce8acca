package dev.lmgate.spi;

/**
 * The error a client receives when a filter blocks. The core renders it in the shape of the
 * client's dialect (OpenAI, Anthropic or LM Studio native); it must never contain a secret or the
 * matched text.
 *
 * @param status HTTP status, 4xx or 5xx
 * @param type error type, e.g. {@code invalid_request_error}, {@code permission_error}
 * @param code machine-readable code, e.g. {@code max_tokens_exceeded}
 * @param param the request field concerned, or empty
 * @param message a sentence for the developer who sent the request
 * @param headers extra response headers, by lower-case name ({@code retry-after}, {@code
 *     www-authenticate}); only those in {@link #ALLOWED_HEADERS} are accepted
 */
public record Rejection(
    int status,
    String type,
    String code,
    String param,
    String message,
    java.util.Map<String, String> headers) {

  /**
   * The headers a rejection may set: nothing that changes framing or the connection. {@code
   * x-lmgate-guard} names the guard, score and rules behind a block.
   */
  public static final java.util.Set<String> ALLOWED_HEADERS =
      java.util.Set.of("retry-after", "www-authenticate", "x-lmgate-guard");

  public Rejection {
    if (status < 400 || status > 599) {
      throw new IllegalArgumentException("status: " + status + " (expected: 400-599)");
    }
    headers = java.util.Map.copyOf(headers);
    for (String h : headers.keySet()) {
      if (!ALLOWED_HEADERS.contains(h)) {
        throw new IllegalArgumentException(
            "header: " + h + " (expected: one of " + ALLOWED_HEADERS + ")");
      }
    }
  }

  public Rejection(int status, String type, String code, String param, String message) {
    this(status, type, code, param, message, java.util.Map.of());
  }

  /** This rejection with one more header. */
  public Rejection withHeader(String name, String value) {
    java.util.Map<String, String> h = new java.util.HashMap<>(headers);
    h.put(name.toLowerCase(java.util.Locale.ROOT), value);
    return new Rejection(status, type, code, param, message, h);
  }
}
