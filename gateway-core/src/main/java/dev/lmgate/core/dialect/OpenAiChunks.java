package dev.lmgate.core.dialect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lmgate.core.sse.SseEvent;
import dev.lmgate.spi.OutputChannel;
import dev.lmgate.spi.OutputText;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** {@code data:}-only chunks ending in {@code [DONE]}: chat and legacy completions. */
final class OpenAiChunks extends StreamAdapter {
  private final boolean legacy;
  private JsonNode id;
  private JsonNode created;
  private JsonNode model;
  private JsonNode fingerprint;
  private final TreeSet<Integer> choices = new TreeSet<>();

  OpenAiChunks(boolean legacy) {
    this.legacy = legacy;
  }

  @Override
  Map<String, String> readToolNames(String type, JsonNode data) {
    Map<String, String> names = new HashMap<>();
    JsonNode cs = data.path("choices");
    for (int n = 0; n < cs.size(); n++) {
      JsonNode tcs = cs.get(n).path("delta").path("tool_calls");
      for (int j = 0; j < tcs.size(); j++) {
        JsonNode name = tcs.get(j).path("function").path("name");
        if (name.isTextual()) {
          names.put(
              cs.get(n).path("index").asInt(n) + "/tool/" + tcs.get(j).path("index").asInt(j),
              name.asText());
        }
      }
    }
    return names;
  }

  @Override
  void readPieces(String type, JsonNode data, List<OutputText> out) {
    if (id == null && data.has("id")) {
      id = data.get("id");
      created = data.get("created");
      model = data.get("model");
      fingerprint = data.get("system_fingerprint");
    }
    JsonNode cs = data.path("choices");
    for (int n = 0; n < cs.size(); n++) {
      JsonNode c = cs.get(n);
      int i = c.path("index").asInt(n);
      choices.add(i);
      String base = "/choices/" + n;
      if (legacy) {
        ResponseReader.text(
            out, i + "/content", OutputChannel.CONTENT, base + "/text", c.path("text"));
        continue;
      }
      JsonNode d = c.path("delta");
      ResponseReader.chatTexts(d, i, base + "/delta", out);
      JsonNode tcs = d.path("tool_calls");
      for (int j = 0; j < tcs.size(); j++) {
        JsonNode tc = tcs.get(j);
        ResponseReader.text(
            out,
            i + "/tool/" + tc.path("index").asInt(j),
            OutputChannel.TOOL_ARGUMENTS,
            base + "/delta/tool_calls/" + j + "/function/arguments",
            tc.path("function").path("arguments"));
      }
    }
  }

  @Override
  public boolean isFinishing(SseEvent event, JsonNode data) {
    if (event.isDone()) {
      return true;
    }
    if (data != null) {
      for (JsonNode c : data.path("choices")) {
        if (c.hasNonNull("finish_reason")) {
          return true;
        }
      }
    }
    return false;
  }

  @Override
  public boolean isFinal(SseEvent event, JsonNode data) {
    return event.isDone();
  }

  @Override
  public byte[] blockedEnding(String message) {
    return ending(null);
  }

  @Override
  public byte[] explainedEnding(String message) {
    return ending(message);
  }

  private byte[] ending(String told) {
    StringBuilder sb = new StringBuilder();
    if (choices.isEmpty()) {
      choices.add(0);
    }
    for (int i : choices) {
      ObjectNode chunk = obj();
      chunk.set(
          "id",
          id == null
              ? JsonNodeFactory.instance.textNode(legacy ? "cmpl-lmgate" : "chatcmpl-lmgate")
              : id);
      chunk.put("object", legacy ? "text_completion" : "chat.completion.chunk");
      if (created != null) {
        chunk.set("created", created);
      }
      if (model != null) {
        chunk.set("model", model);
      }
      if (!legacy && fingerprint != null) {
        chunk.set("system_fingerprint", fingerprint);
      }
      ObjectNode choice = chunk.putArray("choices").addObject();
      choice.put("index", i);
      if (legacy) {
        choice.put("text", "");
      } else if (told != null && i == choices.first()) {
        choice.putObject("delta").put("content", told);
      } else {
        choice.putObject("delta");
      }
      choice.putNull("logprobs");
      choice.put("finish_reason", "content_filter");
      sb.append("data: ").append(chunk).append("\n\n");
    }
    sb.append("data: [DONE]\n\n");
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }
}
