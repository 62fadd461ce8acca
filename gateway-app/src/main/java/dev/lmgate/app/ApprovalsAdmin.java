package dev.lmgate.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lmgate.core.admin.AdminServer;
import dev.lmgate.filters.approval.ApprovalStore;

/**
 * The admin port's approval routes: {@code GET /approvals} lists what waits, {@code POST
 * /approvals/ID/approve} and {@code .../deny} decide (behind {@link OperatorRoute}).
 */
final class ApprovalsAdmin implements OperatorRoute.Handler {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ApprovalStore store;

  ApprovalsAdmin(ApprovalStore store) {
    this.store = store;
  }

  @Override
  public AdminServer.Answer handle(
      String method, String path, OperatorRoute.Operator operator, String body) {
    String[] parts = path.split("/");
    if (parts.length == 2 && method.equals("GET")) {
      ObjectNode out = JSON.createObjectNode();
      ArrayNode list = out.putArray("approvals");
      for (ApprovalStore.Approval a : store.pending()) {
        list.addObject()
            .put("id", a.id())
            .put("tool", a.tool())
            .put("arguments", a.arguments())
            .put("principal", a.principal())
            .put("request_id", a.requestId())
            .put("binding", a.binding())
            .put("created", a.created().toString())
            .put("expires", a.expires().toString());
      }
      return new AdminServer.Answer(200, out.toString());
    }
    if (parts.length == 4
        && method.equals("POST")
        && (parts[3].equals("approve") || parts[3].equals("deny"))) {
      boolean approve = parts[3].equals("approve");
      if (!store.decide(parts[2], approve)) {
        return error(
            404,
            "not_found",
            "No pending approval " + parts[2] + " (unknown, decided or expired).");
      }
      return new AdminServer.Answer(
          200,
          JSON.createObjectNode()
              .put("id", parts[2])
              .put("state", approve ? "approved" : "denied")
              .toString());
    }
    return error(404, "unknown_route", "Use GET /approvals or POST /approvals/ID/approve|deny.");
  }

  private static AdminServer.Answer error(int status, String code, String message) {
    return AdminToken.error(status, code, message);
  }
}
