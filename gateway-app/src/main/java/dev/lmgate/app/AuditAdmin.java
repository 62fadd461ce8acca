package dev.lmgate.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lmgate.app.config.AuditSettings;
import dev.lmgate.audit.checkpoint.VerifierKey;
import dev.lmgate.audit.verify.AuditVerifier;
import dev.lmgate.core.admin.AdminServer;
import java.io.IOException;
import java.nio.file.Files;

/**
 * {@code POST /audit/verify}: checks the running gateway's audit log — every record, the hash
 * chain, every checkpoint's signature and root — with the verifier keys stored beside it, as {@code
 * lmgate audit verify DIR} does. An independent check should pin the verifier key elsewhere and run
 * the CLI on a copy; this route is for monitoring.
 */
final class AuditAdmin implements OperatorRoute.Handler {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final AuditSettings audit; // null: no audit trail

  AuditAdmin(AuditSettings audit) {
    this.audit = audit;
  }

  @Override
  public AdminServer.Answer handle(
      String method, String path, OperatorRoute.Operator operator, String body) {
    if (!(method.equals("POST") && path.equals("/audit/verify"))) {
      return AdminToken.error(404, "unknown_route", "Use POST /audit/verify.");
    }
    if (audit == null) {
      return AdminToken.error(409, "audit_disabled", "This gateway keeps no audit trail.");
    }
    try {
      AuditVerifier.Report r =
          AuditVerifier.verify(
              audit.dir().resolve("segments"),
              audit.checkpoints() != null
                  ? audit.checkpoints()
                  : audit.dir().resolve("checkpoints"),
              VerifierKey.parseAll(Files.readString(audit.dir().resolve("verifier.key"))));
      ObjectNode out =
          JSON.createObjectNode()
              .put("intact", r.intact())
              .put("records", r.records())
              .put("checkpoints", r.checkpoints())
              .put("unsigned", r.unsigned());
      if (r.problem() != null) {
        out.put("problem", r.problem());
      }
      return new AdminServer.Answer(200, out.toString());
    } catch (IOException | IllegalArgumentException e) {
      return AdminToken.error(500, "verify_failed", "The log could not be read: " + e.getMessage());
    }
  }
}
