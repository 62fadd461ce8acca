package dev.lmgate.app.compliance;

import dev.lmgate.app.compliance.ComplianceReport.AuditEvidence;
import dev.lmgate.app.compliance.ComplianceReport.Control;
import dev.lmgate.app.compliance.ComplianceReport.Status;
import dev.lmgate.app.config.AuditSettings;
import dev.lmgate.audit.AuditTrail;
import dev.lmgate.audit.record.PayloadMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** The handbook's §4 (audit logging) and §10 (compliance evidence). */
final class AuditControls {
  private AuditControls() {}

  static void audit(ControlChecks c, Optional<AuditEvidence> evidence) {
    AuditSettings a = c.config.audit();
    Optional<String> signer = a == null ? Optional.empty() : KeyPlacement.signingKeyShared(a);
    c.add(
        4,
        "every exchange and security event recorded, tamper-evident",
        a == null ? Status.OFF : signer.isPresent() ? Status.WEAKENED : Status.ENFORCED,
        a == null
            ? "no `audit` section, or `audit.enabled: false`"
            : "hash chain and signed checkpoints every "
                + ControlChecks.human(a.checkpointInterval())
                + " in `"
                + a.dir()
                + "`"
                + signer.map(x -> "; " + x).orElse(""));
    if (a == null) {
      evidence.ifPresent(e -> c.out.add(ComplianceReport.logVerifies(e, null)));
      return;
    }
    boolean strict = a.mode() == AuditTrail.Mode.STRICT;
    c.add(
        4,
        "no answer without its record (strict durability)",
        strict ? Status.ENFORCED : Status.WEAKENED,
        strict
            ? "`audit.mode: strict`: the client's last byte waits for the fsynced record"
            : "`audit.mode: async`: records can be dropped under load (counted and alerted)");
    c.add(
        4,
        "alerts on audit failures and security bursts",
        a.webhook() == null ? Status.OFF : Status.ENFORCED,
        a.webhook() == null
            ? "no `audit.alerts.webhook`"
            : "webhook " + a.webhook() + " (HMAC-signed)");
    c.add(
        4,
        "records exported to a SIEM",
        a.exports().isEmpty() ? Status.OFF : Status.ENFORCED,
        a.exports().isEmpty()
            ? "no `audit.export`"
            : a.exports().stream()
                .map(
                    e ->
                        e.type().equals("syslog")
                            ? "syslog " + (e.tls() ? "over TLS" : "plaintext")
                            : "jsonl")
                .collect(Collectors.joining(", ")));
    c.out.add(
        evidence
            .map(e -> ComplianceReport.logVerifies(e, a.dir()))
            .orElse(
                new Control(
                    ComplianceReport.SECTIONS[3],
                    "the audit log verifies",
                    Status.NOT_VERIFIED,
                    "no log given (`--audit DIR`)")));
  }

  static void compliance(ControlChecks c, Optional<AuditEvidence> evidence) {
    c.add(
        10,
        "the configuration loads (a gateway would start with it)",
        Status.ENFORCED,
        "every setting and filter validated and built");
    AuditSettings a = c.config.audit();
    String shred = "retention per class, enforced by crypto-shredding";
    if (a == null) {
      c.add(10, shred, Status.OFF, "no audit log");
    } else {
      Set<PayloadMode> modes = ControlChecks.modes(a.policy());
      String classes =
          a.retention().entrySet().stream()
              .map(e -> e.getKey() + " " + ControlChecks.human(e.getValue()))
              .collect(Collectors.joining(", "));
      if (!modes.contains(PayloadMode.ENCRYPTED)) {
        boolean redacted = modes.contains(PayloadMode.REDACTED);
        c.add(
            10,
            shred,
            redacted ? Status.WEAKENED : Status.ENFORCED,
            redacted
                ? "`redacted` payloads are stored readable as long as the log: nothing to shred"
                : "no payload stored readable (payloads "
                    + modes.stream().map(PayloadMode::id).collect(Collectors.joining(", "))
                    + ")");
      } else {
        KeyPlacement.Finding k = KeyPlacement.check(a);
        List<String> weak = new ArrayList<>();
        if (k.status() != Status.ENFORCED) {
          weak.add(k.evidence());
        }
        if (modes.contains(PayloadMode.REDACTED)) {
          weak.add("`redacted` payloads are stored readable as long as the log");
        }
        Status st =
            k.status() == Status.NOT_VERIFIED
                ? Status.NOT_VERIFIED
                : weak.isEmpty() ? Status.ENFORCED : Status.WEAKENED;
        c.add(
            10,
            shred,
            st,
            classes + "; " + (weak.isEmpty() ? k.evidence() : String.join("; ", weak)));
      }
    }
    String third = "evidence verifiable by third parties";
    if (a == null) {
      c.add(10, third, Status.OFF, "no audit log");
      return;
    }
    String how = "`lmgate audit verify|prove|consistency` with the pinned verifier key";
    if (evidence.isEmpty()) {
      c.add(10, third, Status.NOT_VERIFIED, how + "; no log given (`--audit DIR`)");
      return;
    }
    Control v = ComplianceReport.logVerifies(evidence.get(), a.dir());
    c.add(
        10,
        third,
        v.status() == Status.WEAKENED ? Status.NOT_VERIFIED : v.status(),
        how + "; " + v.evidence());
  }
}
