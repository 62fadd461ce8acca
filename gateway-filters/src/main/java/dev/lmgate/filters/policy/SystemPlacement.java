package dev.lmgate.filters.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.lmgate.filters.policy.PromptPolicyFilter.ClientSystem;
import dev.lmgate.spi.Operation;
import java.util.ArrayList;
import java.util.List;

/**
 * Where each chat dialect keeps the system prompt, and how the gateway's system text goes there
 * beside the client's own, per {@link ClientSystem}: OpenAI chat's {@code system} and {@code
 * developer} messages, Anthropic's {@code system} (a string or text blocks), OpenAI responses'
 * {@code instructions}, LM Studio's {@code system_prompt}. Edits the request body in place; a
 * refusal is the name of the field the client must drop.
 */
final class SystemPlacement {
  private SystemPlacement() {}

  /** Puts the gateway's system text in place; the field to drop when the policy refuses. */
  static String place(ObjectNode body, Operation op, String text, ClientSystem policy) {
    switch (op) {
      case CHAT -> {
        JsonNode m = body.get("messages");
        if (m == null || !m.isArray()) {
          return null;
        }
        ArrayNode messages = (ArrayNode) m;
        List<Integer> clientSystem = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
          String role = messages.get(i).path("role").asText();
          if (role.equals("system") || role.equals("developer")) {
            clientSystem.add(i);
          }
        }
        if (policy == ClientSystem.REFUSE && !clientSystem.isEmpty()) {
          return "messages[" + clientSystem.get(0) + "]";
        }
        if (policy == ClientSystem.REPLACE) {
          for (int k = clientSystem.size() - 1; k >= 0; k--) {
            messages.remove((int) clientSystem.get(k));
          }
        }
        if (policy == ClientSystem.MERGE && !clientSystem.isEmpty()) {
          ObjectNode first = (ObjectNode) messages.get((int) clientSystem.get(0));
          JsonNode c = first.get("content");
          if (c != null && c.isTextual()) {
            first.put("content", text + "\n\n" + c.asText());
            return null;
          }
        }
        ObjectNode sys = JsonNodeFactory.instance.objectNode();
        sys.put("role", "system").put("content", text);
        messages.insert(0, sys);
        return null;
      }
      case MESSAGES -> {
        return placeString(body, "system", text, policy);
      }
      case RESPONSES -> {
        return placeString(body, "instructions", text, policy);
      }
      case NATIVE_CHAT -> {
        return placeString(body, "system_prompt", text, policy);
      }
      default -> {
        return null;
      }
    }
  }

  /** A system prompt held in one field (a string, or Anthropic's array of text blocks). */
  private static String placeString(
      ObjectNode body, String field, String text, ClientSystem policy) {
    JsonNode existing = body.get(field);
    boolean present = existing != null && !existing.isNull();
    if (policy == ClientSystem.REFUSE && present) {
      return field;
    }
    if (present && policy != ClientSystem.REPLACE) {
      if (existing.isTextual()) {
        body.put(field, text + "\n\n" + existing.asText());
        return null;
      }
      if (existing.isArray()) { // Anthropic: [{type: text, text}]
        ArrayNode blocks = ((ArrayNode) existing).deepCopy();
        ObjectNode first = JsonNodeFactory.instance.objectNode();
        first.put("type", "text").put("text", text);
        blocks.insert(0, first);
        body.set(field, blocks);
        return null;
      }
    }
    body.set(field, TextNode.valueOf(text));
    return null;
  }
}
