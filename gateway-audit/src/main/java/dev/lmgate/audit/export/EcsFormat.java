package dev.lmgate.audit.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Maps an audit record to Elastic Common Schema field names for a SIEM: {@code @timestamp}, {@code
 * event.*}, {@code user.*}, {@code source.*}, {@code url.*}, {@code http.*}; lmgate's own fields
 * under {@code lmgate.*}. Payloads are never exported, only the mode they were kept in.
 */
public final class EcsFormat {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private EcsFormat() {}

  public static ObjectNode toEcs(JsonNode r) {
    ObjectNode e = NODES.objectNode();
    e.put("@timestamp", r.path("time").asText());
    String kind = r.path("kind").asText();
    ObjectNode event = e.putObject("event");
    ObjectNode lm = NODES.objectNode();
    lm.put("seq", r.path("seq").asLong());
    lm.put("prev", r.path("prev").asText());
    lm.put("record_kind", kind);
    switch (kind) {
      case "exchange" -> {
        String decision = r.path("decision").asText();
        event.put("kind", "event");
        event.putArray("category").add("web");
        event.putArray("type").add(decision.startsWith("blocked") ? "denied" : "access");
        event.put("action", "llm-" + decision.replace('_', '-'));
        event.put(
            "outcome",
            "forwarded".equals(decision) && r.path("status").asInt() < 400 ? "success" : "failure");
        event.put("id", r.path("request_id").asText());
        event.put("duration", r.path("latency_us").asLong() * 1000);
        http(e, r);
        lm.put("decision", decision);
        copy(r, lm, "route", "dialect", "model", "stream", "class", "payloads");
        if (r.has("filters")) {
          lm.set("filters", r.get("filters"));
        }
        if (r.has("usage")) {
          lm.set("usage", r.get("usage"));
        }
      }
      case "security" -> {
        String type = r.path("type").asText();
        event.put("kind", type.endsWith("succeeded") ? "event" : "alert");
        event
            .putArray("category")
            .add(
                type.startsWith("authentication") || type.startsWith("credential")
                    ? "authentication"
                    : "iam");
        event.put("action", type.replace('_', '-'));
        event.put("reason", r.path("reason").asText());
        event.put(
            "outcome",
            type.endsWith("succeeded") || type.equals("credential_changed")
                ? "success"
                : "failure");
        if (r.has("request_id")) {
          event.put("id", r.path("request_id").asText());
        }
        copy(r, lm, "route", "detail", "claimed_operator"); // never user.*: not authenticated
      }
      default -> {
        event.put("kind", "event");
        event.putArray("category").add("database");
        event.put("action", "audit-" + kind);
        copy(r, lm, "detail");
      }
    }
    if (r.has("principal")) {
      ObjectNode user = e.putObject("user");
      user.put("id", r.path("principal").asText());
      if (r.has("roles")) {
        user.set("roles", r.get("roles"));
      }
    }
    if (r.has("client")) {
      String c = r.path("client").asText();
      int colon = c.lastIndexOf(':');
      ObjectNode source = e.putObject("source");
      if (colon > 0 && c.substring(colon + 1).matches("\\d{1,5}")) {
        String host = c.substring(0, colon);
        source.put("address", host.startsWith("[") ? host.substring(1, host.length() - 1) : host);
        source.put("ip", host.startsWith("[") ? host.substring(1, host.length() - 1) : host);
        source.put("port", Integer.parseInt(c.substring(colon + 1)));
      } else {
        source.put("address", c);
      }
    }
    e.set("lmgate", lm);
    return e;
  }

  private static void http(ObjectNode e, JsonNode r) {
    e.putObject("url").put("path", r.path("path").asText());
    ObjectNode http = e.putObject("http");
    http.putObject("request").put("method", r.path("method").asText());
    http.putObject("response").put("status_code", r.path("status").asInt());
  }

  private static void copy(JsonNode from, ObjectNode to, String... fields) {
    for (String f : fields) {
      if (from.has(f)) {
        to.set(f, from.get(f));
      }
    }
  }
}
