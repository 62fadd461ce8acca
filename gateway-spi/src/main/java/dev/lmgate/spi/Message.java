package dev.lmgate.spi;

import java.util.List;

/**
 * One message of a normalized conversation.
 *
 * @param role {@code system}, {@code developer}, {@code user}, {@code assistant} or {@code tool}
 * @param parts the text parts, in order (images and other media are not represented)
 * @param toolCalls tool calls an assistant message made
 * @param toolCallId for a tool result, the call it answers; otherwise empty
 * @param pointer where the message lives in the body ({@code /messages/2}, {@code /system}, {@code
 *     /instructions}, {@code /input}), so that an error can name what the client should change (LM
 *     Studio's native input items, read as one turn, name their array); empty when unknown
 */
public record Message(
    String role,
    List<TextPart> parts,
    List<ToolCall> toolCalls,
    String toolCallId,
    String pointer) {
  public Message {
    parts = List.copyOf(parts);
    toolCalls = List.copyOf(toolCalls);
    pointer = pointer == null ? "" : pointer;
  }

  /** A message whose place in the body is not named (conversations built by hand). */
  public Message(String role, List<TextPart> parts, List<ToolCall> toolCalls, String toolCallId) {
    this(role, parts, toolCalls, toolCallId, "");
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
