package dev.lmgate.core.dialect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lmgate.core.sse.SseEvent;
import dev.lmgate.spi.OutputChannel;
import dev.lmgate.spi.OutputText;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** Anthropic Messages events. */
final class AnthropicEvents extends StreamAdapter {
  private final TreeSet<Integer> openBlocks = new TreeSet<>();
  private boolean started;

  @Override
  Map<String, String> readToolNames(String type, JsonNode data) {
    if ("content_block_start".equals(type)
        && "tool_use".equals(data.path("content_block").path("type").asText())) {
      return Map.of(
          "b" + data.path("index").asInt(0), data.path("content_block").path("name").asText(""));
    }
    return Map.of();
  }

  @Override
  void readPieces(String type, JsonNode data, List<OutputText> out) {
    int idx = data.path("index").asInt(0);
    switch (type) {
      case "message_start" -> started = true;
      case "content_block_start" -> openBlocks.add(idx);
      case "content_block_stop" -> openBlocks.remove(idx);
      case "content_block_delta" -> {
        JsonNode d = data.path("delta");
        switch (d.path("type").asText("")) {
          case "text_delta" ->
              ResponseReader.text(
                  out, "b" + idx, OutputChannel.CONTENT, "/delta/text", d.path("text"));
          case "thinking_delta" ->
              ResponseReader.text(
                  out, "b" + idx, OutputChannel.REASONING, "/delta/thinking", d.path("thinking"));
          case "input_json_delta" ->
              ResponseReader.text(
                  out,
                  "b" + idx,
                  OutputChannel.TOOL_ARGUMENTS,
                  "/delta/partial_json",
                  d.path("partial_json"));
          default -> {
            // signature deltas carry no text
          }
        }
      }
      default -> {
        // message_delta, message_stop, ping
      }
    }
  }

  @Override
  void readSnapshots(String type, JsonNode data, List<OutputText> out) {
    if ("content_block_start".equals(type)) {
      JsonNode cb = data.path("content_block");
      int idx = data.path("index").asInt(0);
      ResponseReader.text(
          out, "b" + idx, OutputChannel.CONTENT, "/content_block/text", cb.path("text"));
      ResponseReader.text(
          out, "b" + idx, OutputChannel.REASONING, "/content_block/thinking", cb.path("thinking"));
      if (cb.has("input") && cb.path("input").size() > 0) {
        out.add(
            new OutputText(
                "b" + idx, OutputChannel.TOOL_ARGUMENTS, "", cb.path("input").toString()));
      }
    }
  }

  @Override
  public boolean isFinal(SseEvent event, JsonNode data) {
    return data != null && "message_stop".equals(type(event, data));
  }

  @Override
  public byte[] blockedEnding(String message) {
    java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
    if (!started) {
      ObjectNode ms = obj().put("type", "message_start");
      ObjectNode m = ms.putObject("message").put("type", "message").put("role", "assistant");
      m.putArray("content");
      b.writeBytes(event("message_start", ms));
    }
    for (int i : openBlocks) {
      b.writeBytes(
          event("content_block_stop", obj().put("type", "content_block_stop").put("index", i)));
    }
    ObjectNode md = obj().put("type", "message_delta");
    md.putObject("delta").put("stop_reason", "refusal").putNull("stop_sequence");
    md.putObject("usage").put("output_tokens", 0);
    b.writeBytes(event("message_delta", md));
    b.writeBytes(event("message_stop", obj().put("type", "message_stop")));
    return b.toByteArray();
  }
}
