package dev.lmgate.core.dialect;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lmgate.spi.Conversation;
import dev.lmgate.spi.Message;
import dev.lmgate.spi.Route;
import dev.lmgate.spi.TextPart;
import dev.lmgate.spi.ToolCall;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * Reads a client→gateway body into the normalized conversation: the parts every dialect shares
 * (model, stream, output limit) here, its texts by the route's {@link DialectCodec}. Every text
 * keeps the JSON pointer where it lives so that filters can rewrite it. Unknown or malformed parts
 * are skipped here: structural validation is the sanitizer's job, and LM Studio rejects what it
 * cannot read.
 */
public final class RequestReader {

  private RequestReader() {}

  public static Conversation read(Route route, JsonNode body) {
    if (body == null || !body.isObject()) {
      return Conversation.empty();
    }
    String model = body.path("model").asText("");
    boolean stream = body.path("stream").asBoolean(false);
    List<Message> messages = new ArrayList<>();
    List<TextPart> prompts = new ArrayList<>();
    List<TextPart> inputs = new ArrayList<>();
    DialectCodec codec = DialectCodec.of(route.operation());
    if (codec == DialectCodec.NO_TEXT) {
      return new Conversation(
          model, stream, List.of(), List.of(), List.of(), OptionalLong.empty(), "");
    }
    String maxPtr = codec.readRequest(body, messages, prompts, inputs);
    OptionalLong max = OptionalLong.empty();
    if (!maxPtr.isEmpty()) {
      JsonNode m = body.at(maxPtr);
      if (m.isIntegralNumber()) {
        max = OptionalLong.of(m.asLong());
      }
    }
    return new Conversation(model, stream, messages, prompts, inputs, max, maxPtr);
  }

  static void openAiMessages(JsonNode msgs, List<Message> out) {
    for (int i = 0; i < msgs.size(); i++) {
      JsonNode m = msgs.path(i);
      String base = "/messages/" + i;
      List<TextPart> parts = new ArrayList<>();
      content(m.path("content"), base + "/content", "text", parts);
      List<ToolCall> calls = new ArrayList<>();
      JsonNode tcs = m.path("tool_calls");
      for (int j = 0; j < tcs.size(); j++) {
        JsonNode tc = tcs.path(j);
        calls.add(
            new ToolCall(
                tc.path("id").asText(""),
                tc.path("function").path("name").asText(""),
                arguments(
                    tc.path("function").path("arguments"),
                    base + "/tool_calls/" + j + "/function/arguments")));
      }
      out.add(
          new Message(
              m.path("role").asText(""), parts, calls, m.path("tool_call_id").asText(""), base));
    }
  }

  /**
   * A tool call's arguments: a JSON string as the APIs define them, or — sent as an object, which
   * the client may try — the object's JSON text, without a pointer (it cannot be edited in place).
   */
  private static TextPart arguments(JsonNode args, String ptr) {
    if (args.isTextual()) {
      return new TextPart(ptr, args.asText());
    }
    return new TextPart("", args.isMissingNode() || args.isNull() ? "" : args.toString());
  }

  /** A content that is a string, or an array of typed parts whose text lives in {@code textKey}. */
  private static void content(JsonNode c, String ptr, String textKey, List<TextPart> parts) {
    if (c.isTextual()) {
      parts.add(new TextPart(ptr, c.asText()));
    } else if (c.isArray()) {
      for (int k = 0; k < c.size(); k++) {
        JsonNode p = c.path(k);
        if (p.isTextual()) {
          parts.add(new TextPart(ptr + "/" + k, p.asText()));
        } else if (p.path(textKey).isTextual()) {
          parts.add(new TextPart(ptr + "/" + k + "/" + textKey, p.path(textKey).asText()));
        } else if (p.path("content").isTextual() || p.path("content").isArray()) {
          content(
              p.path("content"), ptr + "/" + k + "/content", textKey, parts); // tool_result blocks
        }
      }
    }
  }

  static void strings(JsonNode v, String ptr, List<TextPart> out) {
    if (v.isTextual()) {
      out.add(new TextPart(ptr, v.asText()));
    } else if (v.isArray()) {
      for (int i = 0; i < v.size(); i++) {
        if (v.path(i).isTextual()) {
          out.add(new TextPart(ptr + "/" + i, v.path(i).asText()));
        }
      }
    }
  }

  static void responsesInput(JsonNode body, List<Message> out) {
    JsonNode instructions = body.path("instructions");
    if (instructions.isTextual() || instructions.isArray()) { // a string, or input items
      out.add(message("system", instructions, "/instructions", "/instructions", ""));
    }
    JsonNode input = body.path("input");
    if (input.isTextual()) {
      out.add(msg("user", new TextPart("/input", input.asText())));
      return;
    }
    for (int i = 0; i < input.size(); i++) {
      JsonNode item = input.path(i);
      String base = "/input/" + i;
      String type = item.path("type").asText("message");
      switch (type) {
        case "function_call" ->
            out.add(
                new Message(
                    "assistant",
                    List.of(),
                    List.of(
                        new ToolCall(
                            item.path("call_id").asText(""),
                            item.path("name").asText(""),
                            arguments(item.path("arguments"), base + "/arguments"))),
                    "",
                    base));
        case "function_call_output", "custom_tool_call_output" ->
            out.add(
                message(
                    "tool",
                    item.path("output"),
                    base + "/output",
                    base,
                    item.path("call_id").asText("")));
        case "reasoning" -> { // a reasoning item the client replays: its summary is text too
          List<TextPart> parts = new ArrayList<>();
          content(item.path("summary"), base + "/summary", "text", parts);
          content(item.path("content"), base + "/content", "text", parts);
          out.add(new Message("assistant", parts, List.of(), "", base));
        }
        default ->
            out.add(
                message(
                    item.path("role").asText("user"),
                    item.path("content"),
                    base + "/content",
                    base,
                    ""));
      }
    }
  }

  static void anthropicMessages(JsonNode body, List<Message> out) {
    JsonNode system = body.path("system");
    if (!system.isMissingNode()) {
      out.add(message("system", system, "/system", "/system", ""));
    }
    JsonNode msgs = body.path("messages");
    for (int i = 0; i < msgs.size(); i++) {
      JsonNode m = msgs.path(i);
      String base = "/messages/" + i + "/content";
      JsonNode c = m.path("content");
      List<TextPart> parts = new ArrayList<>();
      List<ToolCall> calls = new ArrayList<>();
      String toolUseId = "";
      if (c.isTextual()) {
        parts.add(new TextPart(base, c.asText()));
      } else {
        for (int k = 0; k < c.size(); k++) {
          JsonNode b = c.path(k);
          String ptr = base + "/" + k;
          switch (b.path("type").asText("")) {
            case "text" -> parts.add(new TextPart(ptr + "/text", b.path("text").asText("")));
            case "thinking" -> // a replayed thinking block reaches the model's context
                parts.add(new TextPart(ptr + "/thinking", b.path("thinking").asText("")));
            case "document" -> { // a plain-text document, or one given as content blocks
              JsonNode src = b.path("source");
              if (src.path("data").isTextual() && "text".equals(src.path("type").asText())) {
                parts.add(new TextPart(ptr + "/source/data", src.path("data").asText()));
              } else if (src.path("content").isTextual() || src.path("content").isArray()) {
                content(src.path("content"), ptr + "/source/content", "text", parts);
              }
              if (b.path("title").isTextual()) {
                parts.add(new TextPart(ptr + "/title", b.path("title").asText()));
              }
              if (b.path("context").isTextual()) {
                parts.add(new TextPart(ptr + "/context", b.path("context").asText()));
              }
            }
            case "tool_use" ->
                calls.add(
                    new ToolCall(
                        b.path("id").asText(""),
                        b.path("name").asText(""),
                        new TextPart("", b.path("input").toString())));
            case "tool_result" -> {
              toolUseId = b.path("tool_use_id").asText("");
              content(b.path("content"), ptr + "/content", "text", parts);
            }
            default -> {
              // images, documents, thinking: not text the guards read here
            }
          }
        }
      }
      String role = toolUseId.isEmpty() ? m.path("role").asText("") : "tool";
      out.add(new Message(role, parts, calls, toolUseId, "/messages/" + i));
    }
  }

  static void nativeChat(JsonNode body, List<Message> out) {
    JsonNode system = body.path("system_prompt");
    if (system.isTextual() || system.isArray()) {
      out.add(message("system", system, "/system_prompt", "/system_prompt", ""));
    }
    JsonNode input = body.path("input");
    if (input.isTextual()) {
      out.add(msg("user", new TextPart("/input", input.asText())));
      return;
    }
    List<TextPart> parts = new ArrayList<>();
    for (int i = 0; i < input.size(); i++) {
      JsonNode item = input.path(i);
      String base = "/input/" + i;
      if (item.isTextual()) {
        parts.add(new TextPart(base, item.asText()));
      } else if (item.path("content").isTextual() || item.path("content").isArray()) {
        content(item.path("content"), base + "/content", "text", parts); // message items
      } else if (item.path("text").isTextual()) {
        parts.add(new TextPart(base + "/text", item.path("text").asText())); // text items
      }
    }
    if (!parts.isEmpty()) {
      out.add(new Message("user", parts, List.of(), "", "/input"));
    }
  }

  /**
   * A message of {@code role} at {@code where} whose text is the content {@code c} at {@code ptr}.
   */
  private static Message message(
      String role, JsonNode c, String ptr, String where, String toolCallId) {
    List<TextPart> parts = new ArrayList<>();
    content(c, ptr, "text", parts);
    return new Message(role, parts, List.of(), toolCallId, where);
  }

  /** A message that is one string: its place is the text's. */
  private static Message msg(String role, TextPart part) {
    return new Message(role, List.of(part), List.of(), "", part.pointer());
  }
}
