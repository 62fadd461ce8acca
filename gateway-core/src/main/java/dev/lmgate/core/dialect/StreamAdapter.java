package dev.lmgate.core.dialect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lmgate.core.sse.SseEvent;
import dev.lmgate.spi.OutputChannel;
import dev.lmgate.spi.OutputText;
import dev.lmgate.spi.Route;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * One stream's framing, per dialect: which texts an event adds (pieces), which events repeat whole
 * texts (snapshots), and how to end the stream well-formed when the gateway blocks it. Stateful: it
 * remembers what the ending needs (ids, open blocks, choices seen). Pointers are relative to the
 * event's JSON data.
 */
public abstract class StreamAdapter {

  /** Texts this event appends to outputs, keyed as in {@link ResponseReader}. */
  public abstract List<OutputText> pieces(SseEvent event, JsonNode data);

  /** Whole texts this event repeats; inspected on their own, as complete outputs. */
  public List<OutputText> snapshots(SseEvent event, JsonNode data) {
    return List.of();
  }

  /** Tool-call names this event announces, by the key of the call's arguments output. */
  public java.util.Map<String, String> toolNames(SseEvent event, JsonNode data) {
    return java.util.Map.of();
  }

  /** Whether this event ends the answer (nothing more is generated after it). */
  public abstract boolean isFinal(SseEvent event, JsonNode data);

  /**
   * Whether this event tells the client the answer is finished, even if events follow (a chat chunk
   * with a {@code finish_reason}, before the usage chunk and {@code [DONE]}).
   */
  public boolean isFinishing(SseEvent event, JsonNode data) {
    return isFinal(event, data);
  }

  /** The bytes that end a blocked stream well-formed for this dialect. */
  public abstract byte[] blockedEnding(String message);

  /**
   * Like {@link #blockedEnding} but, where the dialect has a place for it, with {@code message}
   * told to the client as the answer's last text (chat completions: the final chunk's content).
   */
  public byte[] explainedEnding(String message) {
    return blockedEnding(message);
  }

  public static StreamAdapter forRoute(Route route) {
    return switch (route.operation()) {
      case CHAT -> new OpenAiChunks(false);
      case COMPLETION -> new OpenAiChunks(true);
      case RESPONSES -> new ResponsesEvents();
      case MESSAGES -> new AnthropicEvents();
      case NATIVE_CHAT -> new NativeEvents();
      default -> new Opaque();
    };
  }

  static byte[] event(String name, JsonNode data) {
    String s =
        (name.isEmpty() ? "" : "event: " + name + "\n") + "data: " + data.toString() + "\n\n";
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static ObjectNode obj() {
    return JsonNodeFactory.instance.objectNode();
  }

  /** {@code data:}-only chunks ending in {@code [DONE]}: chat and legacy completions. */
  static final class OpenAiChunks extends StreamAdapter {
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
    public java.util.Map<String, String> toolNames(SseEvent event, JsonNode data) {
      if (data == null) {
        return java.util.Map.of();
      }
      java.util.Map<String, String> names = new java.util.HashMap<>();
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
    public List<OutputText> pieces(SseEvent event, JsonNode data) {
      List<OutputText> out = new ArrayList<>();
      if (data == null) {
        return out;
      }
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
        ResponseReader.text(
            out, i + "/content", OutputChannel.CONTENT, base + "/delta/content", d.path("content"));
        ResponseReader.text(
            out,
            i + "/reasoning",
            OutputChannel.REASONING,
            base + "/delta/reasoning",
            d.path("reasoning"));
        ResponseReader.text(
            out,
            i + "/reasoning",
            OutputChannel.REASONING,
            base + "/delta/reasoning_content",
            d.path("reasoning_content"));
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
      return out;
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

  /** OpenAI Responses events. */
  static final class ResponsesEvents extends StreamAdapter {
    private JsonNode response;
    private long sequence = -1;

    @Override
    public java.util.Map<String, String> toolNames(SseEvent event, JsonNode data) {
      if (data != null
          && "response.output_item.added".equals(data.path("type").asText(event.event()))
          && "function_call".equals(data.path("item").path("type").asText())) {
        return java.util.Map.of(
            "o" + data.path("output_index").asInt(0) + "/tool",
            data.path("item").path("name").asText(""));
      }
      return java.util.Map.of();
    }

    @Override
    public List<OutputText> pieces(SseEvent event, JsonNode data) {
      List<OutputText> out = new ArrayList<>();
      if (data == null) {
        return out;
      }
      if (data.has("sequence_number")) {
        sequence = Math.max(sequence, data.get("sequence_number").asLong());
      }
      String type = data.path("type").asText(event.event());
      int oi = data.path("output_index").asInt(0);
      switch (type) {
        case "response.created", "response.in_progress" -> response = data.path("response");
        case "response.output_text.delta" ->
            ResponseReader.text(
                out,
                "o" + oi + "/c" + data.path("content_index").asInt(0),
                OutputChannel.CONTENT,
                "/delta",
                data.path("delta"));
        case "response.reasoning_text.delta" ->
            ResponseReader.text(
                out,
                "o" + oi + "/r" + data.path("content_index").asInt(0),
                OutputChannel.REASONING,
                "/delta",
                data.path("delta"));
        case "response.reasoning_summary_text.delta" ->
            ResponseReader.text(
                out,
                "o" + oi + "/s" + data.path("summary_index").asInt(0),
                OutputChannel.REASONING,
                "/delta",
                data.path("delta"));
        case "response.function_call_arguments.delta" ->
            ResponseReader.text(
                out,
                "o" + oi + "/tool",
                OutputChannel.TOOL_ARGUMENTS,
                "/delta",
                data.path("delta"));
        default -> {
          // lifecycle events carry no new text
        }
      }
      return out;
    }

    @Override
    public List<OutputText> snapshots(SseEvent event, JsonNode data) {
      List<OutputText> out = new ArrayList<>();
      if (data == null) {
        return out;
      }
      int oi = data.path("output_index").asInt(0);
      switch (data.path("type").asText(event.event())) {
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
      return out;
    }

    @Override
    public boolean isFinal(SseEvent event, JsonNode data) {
      String type = data == null ? event.event() : data.path("type").asText(event.event());
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

  /** Anthropic Messages events. */
  static final class AnthropicEvents extends StreamAdapter {
    private final TreeSet<Integer> openBlocks = new TreeSet<>();
    private boolean started;

    @Override
    public java.util.Map<String, String> toolNames(SseEvent event, JsonNode data) {
      if (data != null
          && "content_block_start".equals(data.path("type").asText(event.event()))
          && "tool_use".equals(data.path("content_block").path("type").asText())) {
        return java.util.Map.of(
            "b" + data.path("index").asInt(0), data.path("content_block").path("name").asText(""));
      }
      return java.util.Map.of();
    }

    @Override
    public List<OutputText> pieces(SseEvent event, JsonNode data) {
      List<OutputText> out = new ArrayList<>();
      if (data == null) {
        return out;
      }
      int idx = data.path("index").asInt(0);
      switch (data.path("type").asText(event.event())) {
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
      return out;
    }

    @Override
    public List<OutputText> snapshots(SseEvent event, JsonNode data) {
      List<OutputText> out = new ArrayList<>();
      if (data != null && "content_block_start".equals(data.path("type").asText(event.event()))) {
        JsonNode cb = data.path("content_block");
        int idx = data.path("index").asInt(0);
        ResponseReader.text(
            out, "b" + idx, OutputChannel.CONTENT, "/content_block/text", cb.path("text"));
        ResponseReader.text(
            out,
            "b" + idx,
            OutputChannel.REASONING,
            "/content_block/thinking",
            cb.path("thinking"));
        if (cb.has("input") && cb.path("input").size() > 0) {
          out.add(
              new OutputText(
                  "b" + idx, OutputChannel.TOOL_ARGUMENTS, "", cb.path("input").toString()));
        }
      }
      return out;
    }

    @Override
    public boolean isFinal(SseEvent event, JsonNode data) {
      return data != null && "message_stop".equals(data.path("type").asText(event.event()));
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

  /** LM Studio native {@code /api/v1/chat} events. */
  static final class NativeEvents extends StreamAdapter {
    private int messages;
    private int reasonings;
    private JsonNode instance;

    @Override
    public List<OutputText> pieces(SseEvent event, JsonNode data) {
      List<OutputText> out = new ArrayList<>();
      if (data == null) {
        return out;
      }
      switch (data.path("type").asText(event.event())) {
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
      return out;
    }

    @Override
    public List<OutputText> snapshots(SseEvent event, JsonNode data) {
      List<OutputText> out = new ArrayList<>();
      if (data == null) {
        return out;
      }
      String type = data.path("type").asText(event.event());
      if (type.equals("chat.end")) {
        ResponseReader.nativeOutput(data.path("result").path("output"), "/result/output", out);
      } else if (type.startsWith("tool_call.") && data.has("arguments")) {
        out.add(
            new OutputText(
                "tool", OutputChannel.TOOL_ARGUMENTS, "", data.path("arguments").toString()));
      }
      return out;
    }

    @Override
    public boolean isFinal(SseEvent event, JsonNode data) {
      return data != null && "chat.end".equals(data.path("type").asText(event.event()));
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

  /** A stream of a route without model text: nothing to inspect. */
  static final class Opaque extends StreamAdapter {
    @Override
    public List<OutputText> pieces(SseEvent event, JsonNode data) {
      return List.of();
    }

    @Override
    public boolean isFinal(SseEvent event, JsonNode data) {
      return false;
    }

    @Override
    public byte[] blockedEnding(String message) {
      return new byte[0];
    }
  }
}
