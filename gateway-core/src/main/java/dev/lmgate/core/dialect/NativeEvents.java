package dev.lmgate.core.dialect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lmgate.core.sse.SseEvent;
import dev.lmgate.spi.OutputChannel;
import dev.lmgate.spi.OutputText;
import java.util.List;

/** LM Studio native {@code /api/v1/chat} events. */
final class NativeEvents extends StreamAdapter {
  private int messages;
  private int reasonings;
  private JsonNode instance;

  @Override
  void readPieces(String type, JsonNode data, List<OutputText> out) {
    switch (type) {
      case "chat.start" -> instance = data.path("model_instance_id");
      case "message.start" -> messages++;
      case "reasoning.start" -> reasonings++;
      case "message.delta" ->
          ResponseReader.text(
              out, "m" + messages, OutputChannel.CONTENT, "/content", data.path("content"));
      case "reasoning.delta" ->
          ResponseReader.text(
              out, "r" + reasonings, OutputChannel.REASONING, "/content", data.path("content"));
      default -> {
        // progress and lifecycle events
      }
    }
  }

  @Override
  void readSnapshots(String type, JsonNode data, List<OutputText> out) {
    if (type.equals("chat.end")) {
      ResponseReader.nativeOutput(data.path("result").path("output"), "/result/output", out);
    } else if (type.startsWith("tool_call.") && data.has("arguments")) {
      out.add(
          new OutputText(
              "tool", OutputChannel.TOOL_ARGUMENTS, "", data.path("arguments").toString()));
    }
  }

  @Override
  public boolean isFinal(SseEvent event, JsonNode data) {
    return data != null && "chat.end".equals(type(event, data));
  }

  @Override
  public byte[] blockedEnding(String message) {
    java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
    ObjectNode err = obj().put("type", "error");
    err.putObject("error").put("type", "content_filter").put("message", message);
    b.writeBytes(event("error", err));
    ObjectNode end = obj().put("type", "chat.end");
    ObjectNode result = end.putObject("result");
    if (instance != null) {
      result.set("model_instance_id", instance);
    }
    result.putArray("output");
    result.putObject("stats");
    b.writeBytes(event("chat.end", end));
    return b.toByteArray();
  }
}
