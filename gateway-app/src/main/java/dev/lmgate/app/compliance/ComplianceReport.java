package dev.lmgate.app.compliance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lmgate.app.config.GatewayConfig;
import dev.lmgate.spi.GatewayFilter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Which of the security handbook's controls a configuration enforces, which are off or weakened,
 * and which this report cannot vouch for. Every status is computed from the config as the gateway
 * loads it ({@link GatewayConfig}: the filters as built, with their defaults and {@link
 * GatewayFilter#weakenings()}) and from the evidence given (the audit log's verification, the
 * SBOM); a control whose evidence is missing is {@link Status#NOT_VERIFIED}, never enforced. A
 * config that does not load enforces nothing. Secrets are shown only as their references.
 */
public final class ComplianceReport {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** How a control stands. */
  public enum Status {
    /** The config (and evidence, where the control needs it) shows the control in force. */
    ENFORCED,
    /** In force but with a gap the evidence names (shadow mode, fail-open, a trusted role…). */
    WEAKENED,
    /** Not in force. */
    OFF,
    /** The control depends on evidence this report was not given or cannot check. */
    NOT_VERIFIED,
    /** The evidence contradicts the control (a tampered audit log). */
    FAILED;

    String label() {
      return name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }
  }

  /** One control: its handbook section, what it is, how it stands and why we say so. */
  public record Control(String section, String name, Status status, String evidence) {}

  /**
   * What verifying an audit log found.
   *
   * @param dir the log directory verified
   * @param intact whether every record, the chain and every checkpoint verified
   * @param records records read
   * @param checkpoints signed checkpoints verified
   * @param problem the first problem, when not intact
   * @param pinnedKey whether the verifier key was given by the caller; false when it was read from
   *     the log directory itself (which whoever can rewrite the log can rewrite too)
   */
  public record AuditEvidence(
      Path dir, boolean intact, long records, int checkpoints, String problem, boolean pinnedKey) {}

  static final String[] SECTIONS = {
    "§1 API key management",
    "§2 Input sanitization",
    "§3 Prompt injection and output filtering",
    "§4 Audit logging",
    "§5 Authentication and authorization",
    "§6 Data privacy and encryption",
    "§7 Model security",
    "§8 Vulnerability management",
    "§9 Incident response",
    "§10 Compliance"
  };

  private final String source;
  private final String loadError; // null: the config loads
  private final List<Control> controls;

  private ComplianceReport(String source, String loadError, List<Control> controls) {
    this.source = source;
    this.loadError = loadError;
    this.controls = List.copyOf(controls);
  }

  public List<Control> controls() {
    return controls;
  }

  /**
   * @param source names the config in the report
   * @param config the config as the gateway loads it, or null when it does not load
   * @param tree the configuration tree, placeholders resolved: read only to describe settings
   *     (which methods, which references), never for a status or a default
   * @param loadError why the config does not load (a gateway would refuse it), or null
   * @param audit the audit log's verification, if a log was given
   * @param sbom where the build's SBOM is, if found
   */
  public static ComplianceReport of(
      String source,
      GatewayConfig config,
      JsonNode tree,
      String loadError,
      Optional<AuditEvidence> audit,
      Optional<String> sbom) {
    List<Control> out = new ArrayList<>();
    if (config == null) {
      out.add(
          new Control(
              SECTIONS[9],
              "the configuration loads (a gateway would start with it)",
              Status.FAILED,
              "it does not load, so it enforces nothing: "
                  + (loadError == null ? "(no reason given)" : loadError)));
      audit.ifPresent(e -> out.add(logVerifies(e, null)));
      return new ComplianceReport(source, loadError, out);
    }
    ControlChecks c = new ControlChecks(config, tree);
    FilterControls.keys(c);
    FilterControls.sanitization(c);
    FilterControls.outputAndInjection(c);
    AuditControls.audit(c, audit);
    OperationsControls.access(c);
    OperationsControls.privacy(c);
    OperationsControls.models(c);
    OperationsControls.vulnerabilities(c, sbom);
    OperationsControls.incidents(c);
    AuditControls.compliance(c, audit);
    c.describedFilters();
    return new ComplianceReport(source, null, c.bySection());
  }

  /** The control "the audit log verifies" for the evidence; {@code expected}: the config's log. */
  static Control logVerifies(AuditEvidence e, Path expected) {
    String name = "the audit log verifies";
    if (!e.intact()) {
      return new Control(SECTIONS[3], name, Status.FAILED, "TAMPERED: " + e.problem());
    }
    String found =
        "intact: " + e.records() + " records, " + e.checkpoints() + " signed checkpoints verified";
    if (expected != null && !sameDir(e.dir(), expected)) {
      return new Control(
          SECTIONS[3],
          name,
          Status.NOT_VERIFIED,
          found
              + ", but in "
              + e.dir()
              + ", not this config's `audit.dir` "
              + expected
              + ": it is not evidence for this config");
    }
    return new Control(
        SECTIONS[3],
        name,
        e.pinnedKey() ? Status.ENFORCED : Status.WEAKENED,
        e.pinnedKey()
            ? found + " with the pinned verifier key"
            : found
                + " with the verifier key stored in the log directory (whoever can rewrite the log"
                + " can rewrite that key: pass `--verifier-key` with the copy kept elsewhere)");
  }

  private static boolean sameDir(Path a, Path b) {
    return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
  }

  public String toMarkdown() {
    StringBuilder b = new StringBuilder();
    b.append("# lmgate compliance report\n\n");
    b.append("Config: `").append(source).append("` — ");
    b.append(
        loadError == null
            ? "loads (a gateway would start with it)"
            : "DOES NOT LOAD: " + loadError);
    b.append("\n\n");
    b.append(
        String.format(
            Locale.ROOT,
            "%d controls enforced, %d weakened, %d off, %d not verified, %d failed.%n",
            count(Status.ENFORCED),
            count(Status.WEAKENED),
            count(Status.OFF),
            count(Status.NOT_VERIFIED),
            count(Status.FAILED)));
    String section = "";
    for (Control c : controls) {
      if (!c.section().equals(section)) {
        section = c.section();
        b.append("\n## ")
            .append(section)
            .append("\n\n| control | status | evidence |\n|---|---|---|\n");
      }
      b.append("| ")
          .append(c.name())
          .append(" | ")
          .append(
              c.status() == Status.ENFORCED ? c.status().label() : "**" + c.status().label() + "**")
          .append(" | ")
          .append(c.evidence().replace("|", "\\|"))
          .append(" |\n");
    }
    return b.toString();
  }

  public String toJson() {
    ObjectNode o = JSON.createObjectNode();
    o.put("config", source);
    o.put("loads", loadError == null);
    if (loadError != null) {
      o.put("load_error", loadError);
    }
    ObjectNode summary = o.putObject("summary");
    for (Status s : Status.values()) {
      summary.put(s.name().toLowerCase(Locale.ROOT), count(s));
    }
    ArrayNode list = o.putArray("controls");
    for (Control c : controls) {
      list.addObject()
          .put("section", c.section())
          .put("control", c.name())
          .put("status", c.status().name().toLowerCase(Locale.ROOT))
          .put("evidence", c.evidence());
    }
    return o.toPrettyString();
  }

  private long count(Status s) {
    return controls.stream().filter(c -> c.status() == s).count();
  }
}
