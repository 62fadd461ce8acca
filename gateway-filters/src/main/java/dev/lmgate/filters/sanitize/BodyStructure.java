package dev.lmgate.filters.sanitize;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lmgate.filters.sanitize.SanitizeFilter.Settings;
import dev.lmgate.spi.Operation;
import java.util.List;

/**
 * The structure {@code sanitize} requires of a request body: a JSON object within the nesting and
 * string-length bounds; typed {@code model}, {@code stream}, token limits and {@code temperature};
 * for chat routes a non-empty {@code messages} array, within the count bound, of objects with an
 * allowed {@code role} and a string, array or null {@code content}. A problem is one sentence that
 * starts with the offending field, which the 400 names.
 */
final class BodyStructure {
  private BodyStructure() {}

  /** A description of the first structural problem (field first), or null. */
  static String problem(Settings settings, Operation op, JsonNode body) {
    if (!body.isObject()) {
      return "body must be a JSON object";
    }
    String deep = limits(settings, body, "", 1);
    if (deep != null) {
      return deep;
    }
    if (body.has("model") && !body.get("model").isTextual()) {
      return "model must be a string";
    }
    if (body.has("stream") && !body.get("stream").isBoolean()) {
      return "stream must be true or false";
    }
    for (String f : List.of("max_tokens", "max_completion_tokens", "max_output_tokens")) {
      JsonNode n = body.get(f);
      if (n != null
          && !n.isNull()
          && !(n.isIntegralNumber() && (n.asLong() >= 1 || n.asLong() == -1))) {
        return f + " must be a positive integer";
      }
    }
    JsonNode t = body.get("temperature");
    if (t != null && !t.isNull() && !(t.isNumber() && t.asDouble() >= 0 && t.asDouble() <= 2)) {
      return "temperature must be a number from 0 to 2";
    }
    if (op == Operation.CHAT || op == Operation.MESSAGES) {
      JsonNode messages = body.get("messages");
      if (messages == null || !messages.isArray() || messages.isEmpty()) {
        return "messages must be a non-empty array";
      }
      if (messages.size() > settings.maxMessages()) {
        return "messages has " + messages.size() + " entries, more than " + settings.maxMessages();
      }
      for (int i = 0; i < messages.size(); i++) {
        JsonNode m = messages.get(i);
        String at = "messages[" + i + "]";
        if (!m.isObject()) {
          return at + " must be an object";
        }
        JsonNode role = m.get("role");
        if (role == null || !role.isTextual()) {
          return at + ".role must be a string";
        }
        if (!settings.roles().contains(role.asText())) {
          return at + ".role must be one of " + settings.roles().stream().sorted().toList();
        }
        JsonNode content = m.get("content");
        if (content != null && !(content.isTextual() || content.isArray() || content.isNull())) {
          return at + ".content must be a string, an array of parts or null";
        }
      }
    }
    return null;
  }

  /** Depth and string length, walking the tree once. */
  private static String limits(Settings settings, JsonNode n, String path, int depth) {
    if (depth > settings.maxDepth()) {
      return (path.isEmpty() ? "body" : path) + " is nested deeper than " + settings.maxDepth();
    }
    if (n.isTextual() && n.asText().length() > settings.maxStringChars()) {
      return path + " is longer than " + settings.maxStringChars() + " characters";
    }
    if (n.isArray()) {
      for (int i = 0; i < n.size(); i++) {
        String p = limits(settings, n.get(i), path + "[" + i + "]", depth + 1);
        if (p != null) {
          return p;
        }
      }
    } else if (n.isObject()) {
      var fields = n.fields();
      while (fields.hasNext()) {
        var e = fields.next();
        String p =
            limits(
                settings,
                e.getValue(),
                path.isEmpty() ? e.getKey() : path + "." + e.getKey(),
                depth + 1);
        if (p != null) {
          return p;
        }
      }
    }
    return null;
  }
}
