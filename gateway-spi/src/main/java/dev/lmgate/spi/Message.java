package dev.lmgate.spi;

import java.util.List;

/**
 * One message of a normalized conversation.
 *
 * @param role {@code system}, {@code developer}, {@code user}, {@code assistant} or {@code tool}
 * @param parts the text parts, in order (images and other media are not represented)
 * @param toolCalls tool calls an assistant message made
 * @param toolCallId for a tool result, the call it answers; otherwise empty
 */
public record Message(
    String role, List<TextPart> parts, List<ToolCall> toolCalls, String toolCallId) {
  public Message {
    parts = List.copyOf(parts);
    toolCalls = List.copyOf(toolCalls);
  }

  /** The message's text parts joined with newlines. */
  public String text() {
    StringBuilder sb = new StringBuilder();
    for (TextPart p : parts) {
      if (sb.length() > 0) {
        sb.append('\n');
      }
      sb.append(p.text());
    }
    return sb.toString();
  }
}
