package dev.lmgate.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lmgate.core.admin.AdminServer;
import dev.lmgate.filters.incident.IncidentState;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The admin port's incident routes: {@code GET /incident} shows what is switched off; {@code POST
 * /incident/lockdown {"reason"}} and {@code DELETE /incident/lockdown}; {@code POST|DELETE
 * /incident/kill {"kind":"key|subject|model|route","value"}} (behind {@link OperatorRoute}, which
 * names the operator).
 */
final class IncidentAdmin implements OperatorRoute.Handler {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final IncidentState state;
  private final BooleanSupplier enforced;

  /**
   * @param enforced whether the running filter chain has a {@code kill-switch} filter; the answer
   *     says so, because a lockdown nothing enforces must not look like one that holds
   */
  IncidentAdmin(IncidentState state, BooleanSupplier enforced) {
    this.state = state;
    this.enforced = enforced;
  }

  @Override
  public AdminServer.Answer handle(
      String method, String path, OperatorRoute.Operator operator, String body) {
    String by = operator.principal(); // what was authenticated, never a self-declared name
    JsonNode json;
    try {
      json = body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
    } catch (IOException e) {
      return AdminToken.error(400, "invalid_json", "The body is not JSON.");
    }
    switch (method + " " + path) {
      case "GET /incident" -> {
        return snapshot();
      }
      case "POST /incident/lockdown" -> {
        String reason = json.path("reason").asText("").strip();
        state.lockdown(reason.isEmpty() ? "incident response in progress" : reason, by);
        return snapshot();
      }
      case "DELETE /incident/lockdown" -> {
        state.lockdown(null, by);
        return snapshot();
      }
      case "POST /incident/kill", "DELETE /incident/kill" -> {
        IncidentState.Kind kind;
        try {
          kind = IncidentState.Kind.parse(json.path("kind").asText(""));
        } catch (IllegalArgumentException e) {
          return AdminToken.error(400, "invalid_kind", "kind is key, subject, model or route.");
        }
        String value = json.path("value").asText("").strip();
        if (value.isEmpty()) {
          return AdminToken.error(400, "invalid_value", "value names what to kill or revive.");
        }
        if (method.equals("POST")) {
          state.kill(kind, value, by);
        } else {
          state.revive(kind, value, by);
        }
        return snapshot();
      }
      default -> {
        return AdminToken.error(
            404,
            "unknown_route",
            "Use GET /incident, POST|DELETE /incident/lockdown, POST|DELETE /incident/kill.");
      }
    }
  }

  private AdminServer.Answer snapshot() {
    try {
      Map<String, Object> answer = new LinkedHashMap<>(state.snapshot());
      answer.put("enforced", enforced.getAsBoolean());
      if (!enforced.getAsBoolean()) {
        answer.put(
            "warning", "No kill-switch filter is configured: these controls are not enforced.");
      }
      return new AdminServer.Answer(200, JSON.writeValueAsString(answer));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
