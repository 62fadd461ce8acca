package dev.lmgate.app.compliance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Which of the security handbook's controls a configuration enforces, which are off or weakened
 * (shadow mode, fail-open, plaintext, async audit…), and the evidence — read from the effective
 * configuration (environment placeholders resolved) and, when given, the audit log's verification.
 * It reports what the file says, never the values of secrets (only their references).
 */
public final class ComplianceReport {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** How a control stands. */
  public enum Status {
    ENFORCED,
    WEAKENED,
    OFF
  }

  /** One control: its handbook section, what it is, how it stands and why we say so. */
  public record Control(String section, String name, Status status, String evidence) {}

  /** What the audit log's verification found, when a log was given. */
  public record AuditEvidence(boolean intact, long records, int checkpoints, String problem) {}

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
   * @param tree the configuration tree, placeholders resolved
   * @param loadError why the config does not load (a gateway would refuse it), or null
   * @param audit the audit log's verification, if a log was given
   * @param sbom where the build's SBOM is, if found
   */
  public static ComplianceReport of(
      String source,
      JsonNode tree,
      String loadError,
      Optional<AuditEvidence> audit,
      Optional<String> sbom) {
    Checks c = new Checks(tree);
    c.keys();
    c.sanitization();
    c.outputAndInjection();
    c.audit(audit);
    c.access();
    c.privacy();
    c.models();
    c.vulnerabilities(sbom);
    c.incidents();
    c.compliance(audit);
    return new ComplianceReport(source, loadError, c.out);
  }

  /** The checks, section by section. */
  private static final class Checks {
    final JsonNode root;
    final List<Control> out = new ArrayList<>();

    Checks(JsonNode root) {
      this.root = root == null ? JSON.createObjectNode() : root;
    }

    Optional<JsonNode> filter(String id) {
      for (JsonNode f : root.path("filters")) {
        if (id.equals(f.path("id").asText())) {
          return Optional.of(f);
        }
      }
      return Optional.empty();
    }

    void add(int section, String name, Status s, String evidence) {
      out.add(new Control(SECTIONS[section - 1], name, s, evidence));
    }

    /** A filter's control: off when absent; weakened in shadow mode or fail-open. */
    void filterControl(int section, String name, String id, String evidence) {
      Optional<JsonNode> f = filter(id);
      if (f.isEmpty()) {
        add(section, name, Status.OFF, "no `" + id + "` filter");
        return;
      }
      String action = f.get().path("action").asText("block");
      String onError = f.get().path("on-error").asText("fail-closed");
      List<String> weak = new ArrayList<>();
      if (action.equals("alert")) {
        weak.add("shadow mode (`action: alert`): verdicts recorded, nothing blocked");
      }
      if (onError.equals("fail-open")) {
        weak.add("`on-error: fail-open`: skipped when it fails");
      }
      String base = "`" + id + "`" + (evidence.isEmpty() ? "" : ": " + evidence);
      add(
          section,
          name,
          weak.isEmpty() ? Status.ENFORCED : Status.WEAKENED,
          weak.isEmpty() ? base : base + "; " + String.join("; ", weak));
    }

    void keys() {
      Optional<JsonNode> auth = filter("authenticate");
      List<String> methods = new ArrayList<>();
      auth.ifPresent(
          a -> {
            if (a.has("api-keys")) {
              methods.add(
                  "API keys (" + a.path("api-keys").path("store").asText("lmgate-keys.json") + ")");
            }
            if (a.has("oidc")) {
              methods.add("OIDC tokens from " + a.path("oidc").size() + " issuer(s)");
            }
            if (a.has("client-certificates")) {
              methods.add("client certificates");
            }
          });
      filterControl(
          1, "every caller presents a credential", "authenticate", String.join(", ", methods));
      if (auth.isPresent() && auth.get().has("api-keys")) {
        String pepper = auth.get().path("api-keys").path("pepper").asText("");
        add(
            1,
            "API key hashes peppered with a managed secret",
            pepper.isEmpty() ? Status.WEAKENED : Status.ENFORCED,
            pepper.isEmpty()
                ? "pepper generated into a file beside the key store (set `api-keys.pepper` to a secret reference)"
                : "`api-keys.pepper` from " + reference(pepper));
      }
      String upstreamKey = root.path("upstream").path("api-key").asText("");
      add(
          1,
          "the LM Studio key comes from a secret store, never the config",
          upstreamKey.isEmpty() ? Status.OFF : Status.ENFORCED,
          upstreamKey.isEmpty()
              ? "no `upstream.api-key`: LM Studio is called without a key (its authentication is off)"
              : "`upstream.api-key` from " + reference(upstreamKey));
      boolean plain = root.path("secrets").path("allow-plain-values").asBoolean(false);
      add(
          1,
          "plain secret values refused",
          plain ? Status.WEAKENED : Status.ENFORCED,
          plain
              ? "`secrets.allow-plain-values: true` (development only)"
              : "only `${secret:…}` references are accepted");
      add(
          1,
          "rotated secrets picked up without a restart",
          Status.ENFORCED,
          "every reference re-read every `secrets.refresh` ("
              + root.path("secrets").path("refresh").asText("5m")
              + ")");
    }

    void sanitization() {
      filterControl(
          2,
          "inputs sanitized (structure, control and invisible characters, HTML)",
          "sanitize",
          filter("sanitize")
              .map(
                  f ->
                      "html "
                          + f.path("html").asText("off")
                          + ", control characters "
                          + f.path("control-characters").asText("strip")
                          + ", invisible "
                          + f.path("invisible").asText("strip"))
              .orElse(""));
      filterControl(
          2,
          "request size and output limits",
          "request-limits",
          filter("request-limits")
              .map(f -> "max-output-tokens " + f.path("max-output-tokens").asText("0"))
              .orElse(""));
      add(
          2,
          "HTTP requests parsed strictly with size limits",
          Status.ENFORCED,
          "`server.max-request-bytes` "
              + root.path("server").path("max-request-bytes").asText("default")
              + "; unknown routes 404, never forwarded");
    }

    void outputAndInjection() {
      filterControl(
          3,
          "prompt-injection detection",
          "prompt-injection",
          filter("prompt-injection")
              .map(
                  f ->
                      "threshold "
                          + f.path("threshold").asText("0.5")
                          + ", classifier "
                          + (f.path("classifier").asBoolean(true) ? "on" : "off"))
              .orElse(""));
      filterControl(
          3,
          "system prompts, delimiters and canary",
          "prompt-policy",
          filter("prompt-policy")
              .map(
                  f ->
                      f.path("system-prompts").size()
                          + " pinned system prompt(s), canary "
                          + (f.path("canary").asBoolean(true) ? "on" : "off"))
              .orElse(""));
      filterControl(
          3,
          "output filtered by patterns and keyword lists (streams held back)",
          "output-patterns",
          filter("output-patterns").map(f -> f.path("rules").size() + " rule(s)").orElse(""));
      Optional<JsonNode> sd = filter("sensitive-data");
      if (sd.isPresent() && sd.get().has("output")) {
        filterControl(
            3, "secrets and personal data blocked in answers", "sensitive-data", "`output` set");
      } else {
        add(
            3,
            "secrets and personal data blocked in answers",
            Status.OFF,
            "no `sensitive-data.output`");
      }
      String judge = filter("llm-judge").isPresent() ? "llm-judge" : "moderation-api";
      if (filter(judge).isEmpty()) {
        add(
            3,
            "moderation by a smaller model or a content-filter API",
            Status.OFF,
            "no `llm-judge` or `moderation-api` filter");
      } else {
        filterControl(3, "moderation by a smaller model or a content-filter API", judge, "");
      }
      filterControl(3, "semantic checks of answers", "output-semantics", "");
      filterControl(
          3,
          "a person approves sensitive tool calls",
          "tool-approval",
          filter("tool-approval").map(f -> "tools " + f.path("tools")).orElse(""));
    }

    void audit(Optional<AuditEvidence> evidence) {
      JsonNode a = root.path("audit");
      boolean on = a.isObject() && a.path("enabled").asBoolean(true);
      add(
          4,
          "every exchange and security event recorded, tamper-evident",
          on ? Status.ENFORCED : Status.OFF,
          on
              ? "hash chain and signed checkpoints every "
                  + a.path("checkpoint-interval").asText("10s")
                  + " in `"
                  + a.path("dir").asText("lmgate-audit")
                  + "`"
              : "no `audit` section");
      if (!on) {
        return;
      }
      String mode = a.path("mode").asText("strict");
      add(
          4,
          "no answer without its record (strict durability)",
          mode.equals("strict") ? Status.ENFORCED : Status.WEAKENED,
          mode.equals("strict")
              ? "`audit.mode: strict`: the client's last byte waits for the fsynced record"
              : "`audit.mode: async`: records can be dropped under load (counted and alerted)");
      add(
          4,
          "alerts on audit failures and security bursts",
          a.path("alerts").path("webhook").isMissingNode() ? Status.OFF : Status.ENFORCED,
          a.path("alerts").path("webhook").isMissingNode()
              ? "no `audit.alerts.webhook`"
              : "webhook " + a.path("alerts").path("webhook").asText() + " (HMAC-signed)");
      add(
          4,
          "records exported to a SIEM",
          a.path("export").isMissingNode() || a.path("export").isEmpty()
              ? Status.OFF
              : Status.ENFORCED,
          a.path("export").isMissingNode() || a.path("export").isEmpty()
              ? "no `audit.export`"
              : a.path("export").size() + " export(s)");
      evidence.ifPresent(
          e ->
              add(
                  4,
                  "the audit log verifies",
                  e.intact() ? Status.ENFORCED : Status.WEAKENED,
                  e.intact()
                      ? "intact: "
                          + e.records()
                          + " records, "
                          + e.checkpoints()
                          + " signed checkpoints verified"
                      : "TAMPERED: " + e.problem()));
    }

    void access() {
      Optional<JsonNode> authz = filter("authorize");
      filterControl(
          5,
          "role-based authorization, default deny",
          "authorize",
          authz.map(f -> f.path("roles").size() + " role(s)").orElse(""));
      boolean mfa = false;
      if (authz.isPresent()) {
        for (JsonNode role : authz.get().path("roles")) {
          mfa |= role.path("require-mfa").asBoolean(false);
        }
      }
      add(
          5,
          "a second factor required for privileged roles",
          mfa ? Status.ENFORCED : Status.OFF,
          mfa ? "`require-mfa` on at least one role" : "no role has `require-mfa`");
      filterControl(5, "rate and token limits per caller", "rate-limit", "");
      int authAt = -1;
      int i = 0;
      for (JsonNode f : root.path("filters")) {
        if ("authenticate".equals(f.path("id").asText())) {
          authAt = i;
          break;
        }
        i++;
      }
      if (authAt > 0) {
        add(
            5,
            "authentication runs first",
            Status.WEAKENED,
            "`authenticate` is filter " + (authAt + 1));
      }
    }

    void privacy() {
      JsonNode tls = root.path("server").path("tls");
      String host = root.path("server").path("host").asText("127.0.0.1");
      add(
          6,
          "TLS 1.2+ on the listener",
          tls.isObject() ? Status.ENFORCED : Status.WEAKENED,
          tls.isObject()
              ? "TLS 1.3/1.2 only, AEAD suites; client certificates "
                  + tls.path("client-auth").asText("none")
              : "plaintext listener on "
                  + host
                  + (loopback(host) ? " (loopback: a sidecar behind a TLS proxy)" : ""));
      String upstream = root.path("upstream").path("url").asText("http://127.0.0.1:1234");
      String upHost = upstream.replaceFirst("^[a-z]+://", "").replaceFirst("[:/].*$", "");
      boolean https = upstream.startsWith("https://");
      add(
          6,
          "TLS to LM Studio off the host",
          https || loopback(upHost) ? Status.ENFORCED : Status.WEAKENED,
          https
              ? "https"
                  + (root.path("upstream").path("tls").has("pin-sha256") ? " with pinned keys" : "")
              : loopback(upHost)
                  ? "LM Studio on loopback (" + upstream + ")"
                  : "plaintext to " + upstream);
      filterControl(
          6,
          "personal data and credentials kept out of prompts",
          "sensitive-data",
          filter("sensitive-data")
              .map(f -> "others: " + f.path("others").asText("alert"))
              .orElse(""));
      JsonNode a = root.path("audit");
      if (a.isObject() && a.path("enabled").asBoolean(true)) {
        String payloads = a.path("payloads").asText("encrypted");
        add(
            6,
            "stored prompts and answers protected",
            Status.ENFORCED,
            "audit payloads `"
                + payloads
                + "`"
                + (payloads.equals("encrypted") ? " (AES-256-GCM, per-day keys)" : "")
                + "; "
                + a.path("rules").size()
                + " rule(s)");
      }
    }

    void models() {
      Optional<JsonNode> mp = filter("model-policy");
      filterControl(
          7,
          "global model allowlist / denylist",
          "model-policy",
          mp.map(f -> "allow " + f.path("allow") + ", deny " + f.path("deny")).orElse(""));
      add(
          7,
          "model files verified against an integrity manifest",
          mp.isPresent() && mp.get().has("integrity") ? Status.ENFORCED : Status.OFF,
          mp.isPresent() && mp.get().has("integrity")
              ? "manifest "
                  + mp.get().path("integrity").path("manifest").asText()
                  + ", every "
                  + mp.get().path("integrity").path("check-every").asText("6h")
              : "no `model-policy.integrity`");
    }

    void vulnerabilities(Optional<String> sbom) {
      add(
          8,
          "a software bill of materials for the running build",
          sbom.isPresent() ? Status.ENFORCED : Status.OFF,
          sbom.map(p -> "CycloneDX SBOM " + p).orElse("no SBOM found beside the jar"));
      add(
          8,
          "dependencies pinned and checksums verified at build time",
          Status.ENFORCED,
          "versions pinned in the parent POM, converged by the enforcer; strict checksums (`.mvn/maven.config`)");
    }

    void incidents() {
      filterControl(9, "lockdown and kill switches", "kill-switch", "");
      filterControl(
          9,
          "anomaly detection",
          "anomaly-detection",
          filter("anomaly-detection")
              .map(
                  f ->
                      f.has("suspend")
                          ? "suspends for " + f.path("suspend").asText()
                          : "alerts only (no `suspend`)")
              .orElse(""));
      JsonNode admin = root.path("admin");
      boolean token = admin.has("token");
      boolean enabled = admin.path("enabled").asBoolean(true);
      boolean adminKeys = filter("authenticate").map(a -> a.has("api-keys")).orElse(false);
      String how =
          (adminKeys ? "API keys with the role admin" : "")
              + (adminKeys && token ? " or " : "")
              + (token ? "`admin.token` from " + reference(admin.path("token").asText()) : "");
      add(
          9,
          "operator routes (approvals, incident, keys, config, audit) protected and audited",
          !enabled || how.isEmpty() ? Status.OFF : Status.ENFORCED,
          !enabled
              ? "admin port disabled"
              : how.isEmpty()
                  ? "no admin keys and no `admin.token`: the operator routes refuse every call"
                  : how + " on " + admin.path("host").asText("127.0.0.1") + "; every call audited");
    }

    void compliance(Optional<AuditEvidence> evidence) {
      JsonNode r = root.path("audit").path("retention");
      add(
          10,
          "retention per class, enforced by crypto-shredding",
          root.path("audit").isObject() ? Status.ENFORCED : Status.OFF,
          root.path("audit").isObject()
              ? "operational "
                  + r.path("operational").asText("365d")
                  + ", compliance "
                  + r.path("compliance").asText("2555d")
              : "no audit log");
      add(
          10,
          "evidence verifiable by third parties",
          evidence.map(e -> e.intact() ? Status.ENFORCED : Status.WEAKENED).orElse(Status.ENFORCED),
          "`lmgate audit verify|prove|consistency` with the pinned verifier key"
              + evidence
                  .map(e -> e.intact() ? "; verified now" : "; verification FAILED")
                  .orElse(""));
    }

    static boolean loopback(String host) {
      return host.equals("127.0.0.1") || host.equals("localhost") || host.equals("::1");
    }

    /** A secret reference as written, never a value: plain values are shown as ***. */
    static String reference(String v) {
      return v.startsWith("${secret:") || v.startsWith("env:") || v.startsWith("file:")
          ? "`" + v + "`"
          : "a plain value (***)";
    }
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
            "%d controls enforced, %d weakened, %d off.%n",
            count(Status.ENFORCED),
            count(Status.WEAKENED),
            count(Status.OFF)));
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
              c.status() == Status.ENFORCED
                  ? "enforced"
                  : c.status() == Status.WEAKENED ? "**weakened**" : "**off**")
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
