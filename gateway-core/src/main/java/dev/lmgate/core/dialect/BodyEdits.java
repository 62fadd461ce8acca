package dev.lmgate.core.dialect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.lmgate.core.json.Json;
import dev.lmgate.spi.Edit;
import dev.lmgate.spi.Edit.ClientSystem;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * A verdict's edits applied to a body: replacements where the pointer says, the named edits ({@link
 * Edit.PlaceSystem}, {@link Edit.WithdrawToolCalls}) by the route's codec, which spells them with
 * one of the helpers below. Each helper edits the body in place and answers whether the edit
 * applied.
 */
public final class BodyEdits {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private BodyEdits() {}

  /**
   * Applies edits in order.
   *
   * @throws IllegalArgumentException for an edit that does not apply to this body (a pointer whose
   *     parent is missing, a named edit this API has no place for); edits before it stay applied,
   *     so the caller refuses the whole body
   */
  public static void apply(DialectCodec codec, JsonNode body, List<Edit> edits) {
    for (Edit e : edits) {
      boolean applied;
      if (e instanceof Edit.Replace r) {
        Json.set(body, r.pointer(), r.value());
        applied = true;
      } else if (e instanceof Edit.PlaceSystem p) {
        applied = body instanceof ObjectNode o && codec.placeSystem(o, p);
      } else if (e instanceof Edit.WithdrawToolCalls w) {
        applied = body instanceof ObjectNode o && codec.withdrawToolCalls(o, w);
      } else {
        applied = false;
      }
      if (!applied) {
        throw new IllegalArgumentException(
            "edit: " + e.getClass().getSimpleName() + " (expected: one this body has a place for)");
      }
    }
  }

  /**
   * OpenAI chat: the gateway's text is a leading {@code system} message; the client's {@code
   * system} and {@code developer} messages stay beside it, take it in front of the first one's
   * text, or go.
   */
  static boolean placeInMessages(ObjectNode body, Edit.PlaceSystem edit) {
    JsonNode m = body.get("messages");
    if (m == null || !m.isArray()) {
      return false;
    }
    ArrayNode messages = (ArrayNode) m;
    List<Integer> client = new ArrayList<>();
    for (int i = 0; i < messages.size(); i++) {
      String role = messages.get(i).path("role").asText();
      if (role.equals("system") || role.equals("developer")) {
        client.add(i);
      }
    }
    if (edit.client() == ClientSystem.REPLACE) {
      for (int k = client.size() - 1; k >= 0; k--) {
        messages.remove((int) client.get(k));
      }
    }
    // merged only into a leading message: the gateway's text must open the conversation
    if (edit.client() == ClientSystem.MERGE && !client.isEmpty() && client.get(0) == 0) {
      JsonNode first = messages.get((int) client.get(0));
      JsonNode c = first.get("content");
      if (first.isObject() && c != null && c.isTextual()) {
        ((ObjectNode) first).put("content", edit.text() + "\n\n" + c.asText());
        return true;
      }
    }
    ObjectNode system = NODES.objectNode();
    system.put("role", "system").put("content", edit.text());
    messages.insert(0, system);
    return true;
  }

  /**
   * A system prompt held in one field: a string, or an array of items ({@code leading} makes the
   * gateway's item: Anthropic's text block, a Responses message). Kept beside or merged, the
   * client's text follows the gateway's (a field holds one prompt, so both ways join them).
   */
  static boolean placeInField(
      ObjectNode body, String field, Edit.PlaceSystem edit, Function<String, ObjectNode> leading) {
    JsonNode existing = body.get(field);
    boolean present = existing != null && !existing.isNull();
    if (present && edit.client() != ClientSystem.REPLACE) {
      if (existing.isTextual()) {
        body.put(field, edit.text() + "\n\n" + existing.asText());
        return true;
      }
      if (existing.isArray()) {
        ((ArrayNode) existing).insert(0, leading.apply(edit.text()));
        return true;
      }
    }
    body.set(field, TextNode.valueOf(edit.text()));
    return true;
  }

  /**
   * OpenAI Responses: {@code instructions}; replacing the client's system prompt also takes out the
   * {@code system} and {@code developer} items of its {@code input}, which the model reads as
   * system text too.
   */
  static boolean placeInInstructions(ObjectNode body, Edit.PlaceSystem edit) {
    JsonNode input = body.get("input");
    if (edit.client() == ClientSystem.REPLACE && input != null && input.isArray()) {
      for (int i = input.size() - 1; i >= 0; i--) {
        String role = input.get(i).path("role").asText();
        if (role.equals("system") || role.equals("developer")) {
          ((ArrayNode) input).remove(i);
        }
      }
    }
    return placeInField(body, "instructions", edit, BodyEdits::systemItem);
  }

  /** Anthropic's (and LM Studio native's) text block. */
  static ObjectNode textBlock(String text) {
    return NODES.objectNode().put("type", "text").put("text", text);
  }

  /** A Responses input item: a system message. */
  static ObjectNode systemItem(String text) {
    return NODES.objectNode().put("type", "message").put("role", "system").put("content", text);
  }

  /**
   * OpenAI chat: each named call leaves its choice's {@code tool_calls}; the note joins the
   * message's content; a choice left with no call stops ({@code finish_reason: "stop"}).
   */
  static boolean withdrawFromChoices(ObjectNode body, Edit.WithdrawToolCalls edit) {
    Map<Integer, TreeSet<Integer>> byChoice = new LinkedHashMap<>();
    for (String key : edit.keys()) { // "choice/tool/call", as ResponseReader names them
      int at = key.indexOf("/tool/");
      int choice = at < 0 ? -1 : index(key.substring(0, at), "", "");
      int call = at < 0 ? -1 : index(key.substring(at + "/tool/".length()), "", "");
      if (choice < 0 || call < 0) {
        return false;
      }
      byChoice.computeIfAbsent(choice, c -> new TreeSet<>()).add(call);
    }
    for (Map.Entry<Integer, TreeSet<Integer>> e : byChoice.entrySet()) {
      JsonNode choice = body.path("choices").path(e.getKey());
      JsonNode message = choice.path("message");
      JsonNode calls = message.path("tool_calls");
      if (!message.isObject() || !calls.isArray() || e.getValue().last() >= calls.size()) {
        return false;
      }
    }
    for (Map.Entry<Integer, TreeSet<Integer>> e : byChoice.entrySet()) {
      ObjectNode choice = (ObjectNode) body.path("choices").path(e.getKey());
      ObjectNode message = (ObjectNode) choice.path("message");
      ArrayNode calls = (ArrayNode) message.path("tool_calls");
      for (int j : e.getValue().descendingSet()) {
        calls.remove(j);
      }
      message.put("content", joined(message.path("content"), edit.note()));
      if (calls.isEmpty()) {
        message.remove("tool_calls");
        choice.put("finish_reason", "stop");
      }
    }
    return true;
  }

  /** The Responses output items that are calls the client runs. */
  private static final Set<String> RESPONSES_CALLS = Set.of("function_call", "custom_tool_call");

  /**
   * OpenAI Responses: each named call item ({@code function_call}, {@code custom_tool_call}) leaves
   * {@code output}, and an assistant message item with the note is added.
   */
  static boolean withdrawFromOutputItems(ObjectNode body, Edit.WithdrawToolCalls edit) {
    ArrayNode out = withoutItems(body, "output", "o", "/tool", RESPONSES_CALLS, edit.keys());
    if (out == null) {
      return false;
    }
    ObjectNode text = NODES.objectNode();
    text.put("type", "output_text").put("text", edit.note()).putArray("annotations");
    ObjectNode message = out.addObject();
    message.put("type", "message").put("role", "assistant").put("status", "completed");
    message.putArray("content").add(text);
    return true;
  }

  /**
   * Anthropic: each named {@code tool_use} block leaves {@code content}, a text block with the note
   * is added, and an answer left with no call ends its turn ({@code stop_reason: "end_turn"}).
   */
  static boolean withdrawFromContentBlocks(ObjectNode body, Edit.WithdrawToolCalls edit) {
    ArrayNode c = withoutItems(body, "content", "b", "", Set.of("tool_use"), edit.keys());
    if (c == null) {
      return false;
    }
    c.add(textBlock(edit.note()));
    boolean callsLeft = false;
    for (JsonNode b : c) {
      callsLeft |= "tool_use".equals(b.path("type").asText());
    }
    if (!callsLeft) {
      body.put("stop_reason", "end_turn");
    }
    return true;
  }

  /**
   * The index {@code key} names when it is {@code prefix}, one to nine decimal digits, then {@code
   * suffix}; otherwise -1.
   */
  private static int index(String key, String prefix, String suffix) {
    int from = prefix.length();
    int to = key.length() - suffix.length();
    if (!key.startsWith(prefix) || !key.endsWith(suffix) || to <= from || to - from > 9) {
      return -1;
    }
    for (int i = from; i < to; i++) {
      if (key.charAt(i) < '0' || key.charAt(i) > '9') {
        return -1;
      }
    }
    return Integer.parseInt(key.substring(from, to));
  }

  /**
   * Takes the items the keys name ({@code prefix}, the item's index, {@code suffix}: how
   * ResponseReader names them) out of the array {@code field}; the array, or null, changing
   * nothing, when a key names no item of one of the {@code types}.
   */
  private static ArrayNode withoutItems(
      ObjectNode body,
      String field,
      String prefix,
      String suffix,
      Set<String> types,
      List<String> keys) {
    JsonNode items = body.path(field);
    TreeSet<Integer> indexes = new TreeSet<>();
    for (String key : keys) {
      int i = index(key, prefix, suffix);
      if (i < 0 || !items.isArray()) {
        return null;
      }
      if (i >= items.size() || !types.contains(items.get(i).path("type").asText())) {
        return null;
      }
      indexes.add(i);
    }
    ArrayNode array = (ArrayNode) items;
    for (int i : indexes.descendingSet()) {
      array.remove(i);
    }
    return array;
  }

  /** OpenAI chat: each call's function name, by the key of its arguments. */
  static Map<String, String> toolNamesOfChoices(JsonNode body) {
    Map<String, String> names = new LinkedHashMap<>();
    JsonNode choices = body.path("choices");
    for (int i = 0; i < choices.size(); i++) {
      JsonNode calls = choices.get(i).path("message").path("tool_calls");
      for (int j = 0; j < calls.size(); j++) {
        JsonNode call = calls.get(j);
        JsonNode named = call.has("custom") ? call.path("custom") : call.path("function");
        names.put(i + "/tool/" + j, named.path("name").asText(""));
      }
    }
    return names;
  }

  /** Responses: each call item's name, by the key of its arguments. */
  static Map<String, String> toolNamesOfOutputItems(JsonNode body) {
    return namesOfItems(body.path("output"), RESPONSES_CALLS, "o", "/tool");
  }

  /** Anthropic: each {@code tool_use} block's name, by the key of its input. */
  static Map<String, String> toolNamesOfContentBlocks(JsonNode body) {
    return namesOfItems(body.path("content"), Set.of("tool_use"), "b", "");
  }

  private static Map<String, String> namesOfItems(
      JsonNode items, Set<String> types, String keyPrefix, String keySuffix) {
    Map<String, String> names = new LinkedHashMap<>();
    for (int i = 0; i < items.size(); i++) {
      if (types.contains(items.get(i).path("type").asText())) {
        names.put(keyPrefix + i + keySuffix, items.get(i).path("name").asText(""));
      }
    }
    return names;
  }

  private static String joined(JsonNode content, String note) {
    String text = content.isTextual() ? content.asText() : "";
    return text.isEmpty() ? note : text + "\n\n" + note;
  }
}
