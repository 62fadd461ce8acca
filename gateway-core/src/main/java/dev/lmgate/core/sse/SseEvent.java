package dev.lmgate.core.sse;

/**
 * One SSE event.
 *
 * @param event the {@code event:} field, or empty
 * @param data the {@code data:} lines joined with {@code \n}
 * @param raw the event's exact bytes, blank line included, for verbatim forwarding
 */
public record SseEvent(String event, String data, byte[] raw) {

  /** Whether this is the OpenAI end-of-stream marker {@code data: [DONE]}. */
  public boolean isDone() {
    return "[DONE]".equals(data);
  }
}
