package dev.lmgate.core.dialect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lmgate.core.sse.SseEvent;
import dev.lmgate.spi.OutputChannel;
import dev.lmgate.spi.OutputText;
import java.util.List;
import java.util.Map;

/** OpenAI Responses events. */
final class ResponsesEvents extends StreamAdapter {
  private JsonNode response;
  private long sequence = -1;

  @Override
  Map<String, String> readToolNames(String type, JsonNode data) {
    if ("response.output_item.added".equals(type)
        && "function_call".equals(data.path("item").path("type").asText())) {
      return Map.of(
          "o" + data.path("output_index").asInt(0) + "/tool",
          data.path("item").path("name").asText(""));
    }
    return Map.of();
  }

  @Override
  void readPieces(String type, JsonNode data, List<OutputText> out) {
    if (data.has("sequence_number")) {
      sequence = Math.max(sequence, data.get("sequence_number").asLong());
    }
    int oi = data.path("output_index").asInt(0);
    switch (type) {
      case "response.created", "response.in_progress" -> response = data.path("response");
      case "response.output_text.delta" ->
          delta(
              out,
              "o" + oi + "/c" + data.path("content_index").asInt(0),
              OutputChannel.CONTENT,
              data);
      case "response.reasoning_text.delta" ->
          delta(
              out,
              "o" + oi + "/r" + data.path("content_index").asInt(0),
              OutputChannel.REASONING,
              data);
      case "response.reasoning_summary_text.delta" ->
          delta(
              out,
              "o" + oi + "/s" + data.path("summary_index").asInt(0),
              OutputChannel.REASONING,
              data);
      case "response.function_call_arguments.delta" ->
          delta(out, "o" + oi + "/tool", OutputChannel.TOOL_ARGUMENTS, data);
      default -> {
        // lifecycle events carry no new text
      }
    }
  }

  /** A delta event's text: always at {@code /delta}. */
  private static void delta(List<OutputText> out, String key, OutputChannel ch, JsonNode data) {
    ResponseReader.text(out, key, ch, "/delta", data.path("delta"));
  }

  @Override
  void readSnapshots(String type, JsonNode data, List<OutputText> out) {
    int oi = data.path("output_index").asInt(0);
    switch (type) {
      case "response.output_text.done" ->
          ResponseReader.text(
              out, "o" + oi + "/c", OutputChannel.CONTENT, "/text", data.path("text"));
      case "response.reasoning_text.done" ->
          ResponseReader.text(
              out, "o" + oi + "/r", OutputChannel.REASONING, "/text", data.path("text"));
      case "response.function_call_arguments.done" ->
          ResponseReader.text(
              out,
              "o" + oi + "/tool",
              OutputChannel.TOOL_ARGUMENTS,
              "/arguments",
              data.path("arguments"));
      case "response.content_part.added", "response.content_part.done" ->
          ResponseReader.text(
              out,
              "o" + oi + "/c",
              OutputChannel.CONTENT,
              "/part/text",
              data.path("part").path("text"));
      case "response.output_item.added", "response.output_item.done" ->
          ResponseReader.responsesItem(data.path("item"), oi, "/item", out);
      case "response.completed", "response.incomplete", "response.failed" ->
          ResponseReader.responses(data.path("response"), "/response", out);
      default -> {
        // nothing repeated
      }
    }
  }

  @Override
  public boolean isFinal(SseEvent event, JsonNode data) {
    String type = data == null ? event.event() : type(event, data);
    return type.equals("response.completed")
        || type.equals("response.incomplete")
        || type.equals("response.failed")
        || event.isDone();
  }

  @Override
  public byte[] blockedEnding(String message) {
    ObjectNode r = obj();
    if (response != null && response.isObject()) {
      r.set("id", response.path("id"));
      r.put("object", "response");
      r.set("created_at", response.path("created_at"));
      r.set("model", response.path("model"));
    }
    r.put("status", "incomplete");
    r.putObject("incomplete_details").put("reason", "content_filter");
    r.putArray("output");
    ObjectNode ev = obj();
    ev.put("type", "response.incomplete");
    ev.put("sequence_number", sequence + 1);
    ev.set("response", r);
    return event("response.incomplete", ev);
  }
}
