package dev.lmgate.core.dialect;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lmgate.spi.OutputChannel;
import dev.lmgate.spi.OutputText;
import dev.lmgate.spi.Route;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a whole upstream→gateway answer into its output texts. Also used on the snapshot events of
 * streams that repeat the whole answer ({@code response.completed}, {@code chat.end}), with a
 * pointer prefix.
 */
public final class ResponseReader {

  private ResponseReader() {}

  public static List<OutputText> read(Route route, JsonNode body) {
    List<OutputText> out = new ArrayList<>();
    if (body == null || !body.isObject()) {
      return out;
    }
    switch (route.operation()) {
      case CHAT -> chat(body, "", out);
      case COMPLETION -> {
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
      case RESPONSES -> responses(body, "", out);
      case MESSAGES -> anthropic(body.path("content"), "/content", out);
      case NATIVE_CHAT -> nativeOutput(body.path("output"), "/output", out);
      default -> {
        // model lists, embeddings, greetings: no model-generated text
      }
    }
    return out;
  }

  static void chat(JsonNode body, String prefix, List<OutputText> out) {
    JsonNode choices = body.path("choices");
    for (int i = 0; i < choices.size(); i++) {
      JsonNode m = choices.get(i).path("message");
      String base = prefix + "/choices/" + i + "/message";
      text(out, i + "/content", OutputChannel.CONTENT, base + "/content", m.path("content"));
      text(
          out, i + "/reasoning", OutputChannel.REASONING, base + "/reasoning", m.path("reasoning"));
      text(
          out,
          i + "/reasoning",
          OutputChannel.REASONING,
          base + "/reasoning_content",
          m.path("reasoning_content"));
      JsonNode tcs = m.path("tool_calls");
      for (int j = 0; j < tcs.size(); j++) {
        text(
            out,
            i + "/tool/" + j,
            OutputChannel.TOOL_ARGUMENTS,
            base + "/tool_calls/" + j + "/function/arguments",
            tcs.get(j).path("function").path("arguments"));
      }
    }
  }

  static void responses(JsonNode body, String prefix, List<OutputText> out) {
    JsonNode output = body.path("output");
    for (int i = 0; i < output.size(); i++) {
      responsesItem(output.get(i), i, prefix + "/output/" + i, out);
    }
  }

  static void responsesItem(JsonNode item, int index, String base, List<OutputText> out) {
    switch (item.path("type").asText("")) {
      case "message" -> {
        JsonNode c = item.path("content");
        for (int k = 0; k < c.size(); k++) {
          text(
              out,
              "o" + index + "/c" + k,
              OutputChannel.CONTENT,
              base + "/content/" + k + "/text",
              c.get(k).path("text"));
        }
      }
      case "reasoning" -> {
        JsonNode c = item.path("content");
        for (int k = 0; k < c.size(); k++) {
          text(
              out,
              "o" + index + "/r" + k,
              OutputChannel.REASONING,
              base + "/content/" + k + "/text",
              c.get(k).path("text"));
        }
        JsonNode s = item.path("summary");
        for (int k = 0; k < s.size(); k++) {
          text(
              out,
              "o" + index + "/s" + k,
              OutputChannel.REASONING,
              base + "/summary/" + k + "/text",
              s.get(k).path("text"));
        }
      }
      case "function_call" ->
          text(
              out,
              "o" + index + "/tool",
              OutputChannel.TOOL_ARGUMENTS,
              base + "/arguments",
              item.path("arguments"));
      default -> {
        // mcp calls and other items carry no model text the output rules read
      }
    }
  }

  static void anthropic(JsonNode content, String base, List<OutputText> out) {
    for (int k = 0; k < content.size(); k++) {
      JsonNode b = content.get(k);
      switch (b.path("type").asText("")) {
        case "text" ->
            text(out, "b" + k, OutputChannel.CONTENT, base + "/" + k + "/text", b.path("text"));
        case "thinking" ->
            text(
                out,
                "b" + k,
                OutputChannel.REASONING,
                base + "/" + k + "/thinking",
                b.path("thinking"));
        case "tool_use" ->
            out.add(
                new OutputText(
                    "b" + k, OutputChannel.TOOL_ARGUMENTS, "", b.path("input").toString()));
        default -> {
          // redacted_thinking and others: nothing readable
        }
      }
    }
  }

  static void nativeOutput(JsonNode output, String base, List<OutputText> out) {
    for (int k = 0; k < output.size(); k++) {
      JsonNode item = output.get(k);
      switch (item.path("type").asText("")) {
        case "message" ->
            text(
                out,
                "n" + k,
                OutputChannel.CONTENT,
                base + "/" + k + "/content",
                item.path("content"));
        case "reasoning" ->
            text(
                out,
                "n" + k,
                OutputChannel.REASONING,
                base + "/" + k + "/content",
                item.path("content"));
        case "tool_call" ->
            out.add(
                new OutputText(
                    "n" + k, OutputChannel.TOOL_ARGUMENTS, "", item.path("arguments").toString()));
        default -> {
          // invalid_tool_call: metadata only
        }
      }
    }
  }

  static void text(List<OutputText> out, String key, OutputChannel ch, String ptr, JsonNode v) {
    if (v.isTextual()) {
      out.add(new OutputText(key, ch, ptr, v.asText()));
    }
  }
}
