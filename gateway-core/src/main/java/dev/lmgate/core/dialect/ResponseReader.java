package dev.lmgate.core.dialect;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lmgate.spi.OutputChannel;
import dev.lmgate.spi.OutputText;
import dev.lmgate.spi.Route;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads a whole upstream→gateway answer into its output texts, by the route's {@link DialectCodec}.
 * Also used on the snapshot events of streams that repeat the whole answer ({@code
 * response.completed}, {@code chat.end}), with a pointer prefix.
 */
public final class ResponseReader {

  private ResponseReader() {}

  public static List<OutputText> read(Route route, JsonNode body) {
    List<OutputText> out = new ArrayList<>();
    if (body == null || !body.isObject()) {
      return out;
    }
    DialectCodec.of(route.operation()).readResponse(body, out);
    return out;
  }

  /** A legacy completion's choices: one text each. */
  static void completion(JsonNode body, List<OutputText> out) {
    JsonNode choices = body.path("choices");
    for (int i = 0; i < choices.size(); i++) {
      text(
          out,
          i + "/content",
          OutputChannel.CONTENT,
          "/choices/" + i + "/text",
          choices.get(i).path("text"));
    }
  }

  static void chat(JsonNode body, String prefix, List<OutputText> out) {
    JsonNode choices = body.path("choices");
    for (int i = 0; i < choices.size(); i++) {
      JsonNode m = choices.get(i).path("message");
      String base = prefix + "/choices/" + i + "/message";
      chatTexts(m, i, base, out);
      JsonNode tcs = m.path("tool_calls");
      for (int j = 0; j < tcs.size(); j++) {
        JsonNode call = tcs.get(j);
        arguments(
            out,
            i + "/tool/" + j,
            base
                + "/tool_calls/"
                + j
                + (call.has("custom") ? "/custom/input" : "/function/arguments"),
            call.has("custom")
                ? call.path("custom").path("input")
                : call.path("function").path("arguments"));
      }
    }
  }

  /**
   * The texts of a chat message at {@code base}, or of a streamed chat delta: the content, and the
   * reasoning under either of its names. One reading for both, so that a stream's pieces and the
   * whole answer name the same outputs.
   */
  static void chatTexts(JsonNode m, int choice, String base, List<OutputText> out) {
    text(out, choice + "/content", OutputChannel.CONTENT, base + "/content", m.path("content"));
    text(
        out,
        choice + "/reasoning",
        OutputChannel.REASONING,
        base + "/reasoning",
        m.path("reasoning"));
    text(
        out,
        choice + "/reasoning",
        OutputChannel.REASONING,
        base + "/reasoning_content",
        m.path("reasoning_content"));
  }

  static void responses(JsonNode body, String prefix, List<OutputText> out) {
    JsonNode output = body.path("output");
    for (int i = 0; i < output.size(); i++) {
      responsesItem(output.get(i), i, prefix + "/output/" + i, out);
    }
  }

  static void responsesItem(JsonNode item, int index, String base, List<OutputText> out) {
    switch (item.path("type").asText("")) {
      case "message" ->
          parts(item, "content", "o" + index + "/c", OutputChannel.CONTENT, base, out);
      case "reasoning" -> {
        parts(item, "content", "o" + index + "/r", OutputChannel.REASONING, base, out);
        parts(item, "summary", "o" + index + "/s", OutputChannel.REASONING, base, out);
      }
      case "function_call" ->
          arguments(out, "o" + index + "/tool", base + "/arguments", item.path("arguments"));
      case "custom_tool_call" ->
          arguments(out, "o" + index + "/tool", base + "/input", item.path("input"));
      default -> {
        // mcp calls and other items carry no model text the output rules read
      }
    }
  }

  /** The {@code text} of each part in {@code item}'s {@code field}, keyed {@code key} + index. */
  private static void parts(
      JsonNode item,
      String field,
      String key,
      OutputChannel channel,
      String base,
      List<OutputText> out) {
    JsonNode parts = item.path(field);
    for (int k = 0; k < parts.size(); k++) {
      String ptr = base + "/" + field + "/" + k + "/text";
      text(out, key + k, channel, ptr, parts.get(k).path("text"));
    }
  }

  /** Where a typed block of an answer keeps its text: the channel and the field. */
  private record Block(OutputChannel channel, String field) {}

  /** Anthropic content blocks; redacted_thinking and others: nothing readable. */
  private static final Map<String, Block> ANTHROPIC_BLOCKS =
      Map.of(
          "text", new Block(OutputChannel.CONTENT, "text"),
          "thinking", new Block(OutputChannel.REASONING, "thinking"),
          "tool_use", new Block(OutputChannel.TOOL_ARGUMENTS, "input"));

  /** LM Studio native output items; invalid_tool_call: metadata only. */
  private static final Map<String, Block> NATIVE_ITEMS =
      Map.of(
          "message", new Block(OutputChannel.CONTENT, "content"),
          "reasoning", new Block(OutputChannel.REASONING, "content"),
          "tool_call", new Block(OutputChannel.TOOL_ARGUMENTS, "arguments"));

  static void anthropic(JsonNode content, String base, List<OutputText> out) {
    blocks(content, "b", ANTHROPIC_BLOCKS, base, out);
  }

  static void nativeOutput(JsonNode output, String base, List<OutputText> out) {
    blocks(output, "n", NATIVE_ITEMS, base, out);
  }

  /**
   * Each block's text by its type, keyed {@code key} and the block's index. A tool call's arguments
   * are taken whole, as JSON and without a pointer: they are an object, not a text.
   */
  private static void blocks(
      JsonNode blocks, String key, Map<String, Block> types, String base, List<OutputText> out) {
    for (int k = 0; k < blocks.size(); k++) {
      JsonNode b = blocks.get(k);
      Block type = types.get(b.path("type").asText(""));
      if (type == null) {
        continue;
      }
      JsonNode v = b.path(type.field());
      if (type.channel() == OutputChannel.TOOL_ARGUMENTS) {
        out.add(new OutputText(key + k, type.channel(), "", v.toString()));
      } else {
        text(out, key + k, type.channel(), base + "/" + k + "/" + type.field(), v);
      }
    }
  }

  /**
   * A tool call's arguments: a string where the API puts one; anything else the model made there
   * (an object, nothing) as its JSON text without a pointer, so that every call is an output the
   * guards see, and one they cannot rewrite in place is blocked rather than passed.
   */
  private static void arguments(List<OutputText> out, String key, String ptr, JsonNode v) {
    if (v.isTextual()) {
      out.add(new OutputText(key, OutputChannel.TOOL_ARGUMENTS, ptr, v.asText()));
    } else {
      String json = v.isMissingNode() || v.isNull() ? "" : v.toString();
      out.add(new OutputText(key, OutputChannel.TOOL_ARGUMENTS, "", json));
    }
  }

  static void text(List<OutputText> out, String key, OutputChannel ch, String ptr, JsonNode v) {
    if (v.isTextual()) {
      out.add(new OutputText(key, ch, ptr, v.asText()));
    }
  }
}
