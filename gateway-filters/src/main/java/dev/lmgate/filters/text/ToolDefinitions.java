package dev.lmgate.filters.text;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lmgate.spi.RequestView;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The text of a request's tool definitions: what the model reads of them, for the filters that scan
 * client text (a poisoned tool description or enum is an injection; a key in one is a leak).
 */
public final class ToolDefinitions {
  private ToolDefinitions() {}

  /** JSON Schema's own vocabulary, left out of the text a tool definition contributes. */
  private static final Set<String> SCHEMA_WORDS =
      Set.of(
          "type",
          "function",
          "name",
          "description",
          "title",
          "parameters",
          "properties",
          "required",
          "object",
          "string",
          "number",
          "integer",
          "boolean",
          "array",
          "items",
          "enum",
          "default",
          "examples",
          "input_schema",
          "strict",
          "additionalProperties",
          "null",
          "format",
          "minimum",
          "maximum",
          "anyOf",
          "oneOf",
          "allOf",
          "$ref",
          "$defs");

  /**
   * The name of each tool a body declares, in order, however its API nests it: {@code
   * function.name} (OpenAI chat), {@code custom.name} (chat custom tools), {@code name} (Responses,
   * Anthropic), else the built-in tool's {@code type} ({@code web_search}, ...), else empty.
   */
  public static List<String> names(JsonNode body) {
    List<String> names = new ArrayList<>();
    for (JsonNode t : body.path("tools")) {
      names.add(name(t));
    }
    return names;
  }

  private static String name(JsonNode tool) {
    for (String holder : new String[] {"function", "custom"}) {
      if (tool.path(holder).path("name").isTextual()) {
        return tool.path(holder).path("name").asText();
      }
    }
    if (tool.path("name").isTextual()) {
      return tool.path("name").asText();
    }
    return tool.path("type").asText("");
  }

  /**
   * Every string and property name in the request's tool definitions ({@code tools}, every dialect
   * puts them there) and structured-output schemas but JSON Schema's own words: names,
   * descriptions, enums, defaults, examples — the model's chat template renders them into the
   * prompt.
   */
  public static String text(RequestView request) {
    JsonNode body = request.json().orElse(null);
    if (body == null) {
      return "";
    }
    StringBuilder out = new StringBuilder();
    // tools, and the structured-output schemas (chat response_format, Responses text.format),
    // whose descriptions the model reads the same way
    for (JsonNode schemaText :
        new JsonNode[] {
          body.path("tools"), body.path("response_format"), body.path("text").path("format")
        }) {
      if (schemaText.isContainerNode()) {
        collectDescriptions(schemaText, out, 0);
      }
    }
    return out.toString();
  }

  private static void collectDescriptions(JsonNode node, StringBuilder out, int depth) {
    if (depth > 64) { // JSON nesting is bounded by the parser; this keeps the walk shallow too
      return;
    }
    if (node.isArray()) {
      for (JsonNode n : node) {
        collectDescriptions(n, out, depth + 1);
      }
    } else if (node.isObject()) {
      for (var e : (Iterable<Map.Entry<String, JsonNode>>) node::fields) {
        if (!SCHEMA_WORDS.contains(e.getKey())) {
          out.append(e.getKey()).append('\n'); // a property name is text the model reads too
        }
        collectDescriptions(e.getValue(), out, depth + 1);
      }
    } else if (node.isTextual() && !SCHEMA_WORDS.contains(node.asText())) {
      out.append(node.asText()).append('\n');
    }
  }
}
