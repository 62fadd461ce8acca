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
 */
public record Rejection(int status, String type, String code, String param, String message) {
  public Rejection {
    if (status < 400 || status > 599) {
      throw new IllegalArgumentException("status: " + status + " (expected: 400-599)");
    }
  }
}
