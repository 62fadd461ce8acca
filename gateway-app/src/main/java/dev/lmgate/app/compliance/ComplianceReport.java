package dev.lmgate.app.compliance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lmgate.app.config.AuditSettings;
import dev.lmgate.app.config.GatewayConfig;
import dev.lmgate.audit.AuditTrail;
import dev.lmgate.audit.record.PayloadMode;
import dev.lmgate.audit.record.PayloadPolicy;
import dev.lmgate.core.proxy.ServerSettings;
import dev.lmgate.filters.auth.AuthenticateFilter;
import dev.lmgate.secrets.SecretRef;
import dev.lmgate.spi.FilterSettings;
import dev.lmgate.spi.GatewayFilter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

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
    Checks c = new Checks(config, tree);
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
    return new ComplianceReport(source, null, c.out);
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

  /** The checks, section by section. */
  private static final class Checks {
    final GatewayConfig config;
    final JsonNode root;
    final List<Control> out = new ArrayList<>();

    Checks(GatewayConfig config, JsonNode root) {
      this.config = config;
      this.root = root == null ? JSON.createObjectNode() : root;
    }

    Optional<GatewayFilter> filter(String id) {
      return config.filters().stream().filter(f -> f.id().equals(id)).findFirst();
    }

    /** A filter's YAML, only to describe what is written there. */
    JsonNode written(String id) {
      for (JsonNode f : root.path("filters")) {
        if (id.equals(f.path("id").asText())) {
          return f;
        }
      }
      return JSON.createObjectNode();
    }

    /** The settings written for a filter, as {@code key: value}; unset ones are not shown. */
    String writtenKeys(String id, String... keys) {
      JsonNode f = written(id);
      List<String> s = new ArrayList<>();
      for (String k : keys) {
        if (f.has(k)) {
          JsonNode v = f.get(k);
          s.add(k + " " + (v.isValueNode() ? v.asText() : v.toString()));
        }
      }
      return String.join(", ", s);
    }

    void add(int section, String name, Status s, String evidence) {
      out.add(new Control(SECTIONS[section - 1], name, s, evidence));
    }

    /**
     * A filter's control: off when absent; weakened in shadow mode, fail-open, or by any weakening
     * the filter reports of its own config.
     */
    void filterControl(int section, String name, String id, String evidence) {
      filterControl(section, name, id, evidence, w -> true);
    }

    /** As above, counting only the weakenings (by their setting) that bear on this control. */
    void filterControl(
        int section,
        String name,
        String id,
        String evidence,
        java.util.function.Predicate<String> bears) {
      Optional<GatewayFilter> f = filter(id);
      if (f.isEmpty()) {
        add(section, name, Status.OFF, "no `" + id + "` filter");
        return;
      }
      FilterSettings s = f.get().settings();
      List<String> weak = new ArrayList<>();
      if (s.action() == FilterSettings.Action.ALERT) {
        weak.add("shadow mode (`action: alert`): verdicts recorded, nothing blocked");
      }
      if (s.onError() == FilterSettings.OnError.FAIL_OPEN) {
        weak.add("`on-error: fail-open`: skipped when it fails or times out");
      }
      f.get().weakenings().stream().filter(bears).forEach(weak::add);
      String base = "`" + id + "`" + (evidence.isEmpty() ? "" : ": " + evidence);
      add(
          section,
          name,
          weak.isEmpty() ? Status.ENFORCED : Status.WEAKENED,
          weak.isEmpty() ? base : base + "; " + String.join("; ", weak));
    }

    void keys() {
      Optional<AuthenticateFilter> auth =
          filter(AuthenticateFilter.ID)
              .filter(AuthenticateFilter.class::isInstance)
              .map(AuthenticateFilter.class::cast);
      JsonNode a = written(AuthenticateFilter.ID);
      List<String> methods = new ArrayList<>();
      boolean apiKeys = auth.flatMap(AuthenticateFilter::keyStore).isPresent();
      if (apiKeys) {
        methods.add("API keys");
      }
      if (a.has("oidc")) {
        methods.add("OIDC tokens from " + a.path("oidc").size() + " issuer(s)");
      }
      if (a.has("client-certificates")) {
        methods.add("client certificates");
      }
      filterControl(
          1, "every caller presents a credential", "authenticate", String.join(", ", methods));
      if (apiKeys) {
        String pepper = a.path("api-keys").path("pepper").asText("");
        add(
            1,
            "API key hashes peppered with a managed secret",
            pepper.isEmpty() ? Status.WEAKENED : Status.ENFORCED,
            pepper.isEmpty()
                ? "pepper generated into a file beside the key store (set `api-keys.pepper` to a"
                    + " secret reference)"
                : "`api-keys.pepper` from " + reference(pepper));
      }
      SecretRef upstreamKey = config.upstreamKey();
      add(
          1,
          "the LM Studio key comes from a secret store, never the config",
          upstreamKey == null
              ? Status.OFF
              : SecretRef.LITERAL.equals(upstreamKey.scheme()) ? Status.WEAKENED : Status.ENFORCED,
          upstreamKey == null
              ? "no `upstream.api-key`: LM Studio is called without a key (its authentication is"
                  + " off)"
              : "`upstream.api-key` from "
                  + reference(root.path("upstream").path("api-key").asText("")));
      boolean plain = config.secrets().allowPlainValues();
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
          "every `${secret:…}` reference re-read every "
              + human(config.secrets().refresh())
              + " (`secrets.refresh`); audit keys take effect on restart");
    }

    void sanitization() {
      filterControl(
          2,
          "inputs sanitized (structure, control and invisible characters, HTML)",
          "sanitize",
          writtenKeys("sanitize", "html", "control-characters", "invisible"));
      filterControl(
          2,
          "request size and output limits",
          "request-limits",
          writtenKeys("request-limits", "max-output-tokens", "max-messages", "max-body-bytes"));
      ServerSettings s = config.server();
      add(
          2,
          "HTTP requests parsed strictly with size limits",
          Status.ENFORCED,
          "requests up to "
              + s.maxRequestBytes()
              + " bytes, answers up to "
              + s.maxResponseBytes()
              + ", SSE events up to "
              + s.maxSseEventBytes()
              + "; unknown routes 404, never forwarded");
    }

    void outputAndInjection() {
      filterControl(
          3,
          "prompt-injection detection",
          "prompt-injection",
          writtenKeys("prompt-injection", "threshold", "routes"));
      filterControl(
          3,
          "system prompts, delimiters and canary",
          "prompt-policy",
          writtenKeys("prompt-policy", "canary")
              + (written("prompt-policy").has("system-prompts")
                  ? " " + written("prompt-policy").path("system-prompts").size() + " pinned"
                  : ""));
      filterControl(
          3,
          "output filtered by patterns and keyword lists (streams held back)",
          "output-patterns",
          written("output-patterns").path("rules").size() + " rule(s)");
      if (filter("sensitive-data").isPresent() && written("sensitive-data").has("output")) {
        filterControl(
            3,
            "secrets and personal data blocked in answers",
            "sensitive-data",
            "`output` set",
            w -> w.startsWith("`output."));
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
          writtenKeys("tool-approval", "tools"));
    }

    void audit(Optional<AuditEvidence> evidence) {
      AuditSettings a = config.audit();
      Optional<String> signer = a == null ? Optional.empty() : KeyPlacement.signingKeyShared(a);
      add(
          4,
          "every exchange and security event recorded, tamper-evident",
          a == null ? Status.OFF : signer.isPresent() ? Status.WEAKENED : Status.ENFORCED,
          a == null
              ? "no `audit` section, or `audit.enabled: false`"
              : "hash chain and signed checkpoints every "
                  + human(a.checkpointInterval())
                  + " in `"
                  + a.dir()
                  + "`"
                  + signer.map(x -> "; " + x).orElse(""));
      if (a == null) {
        evidence.ifPresent(e -> out.add(logVerifies(e, null)));
        return;
      }
      boolean strict = a.mode() == AuditTrail.Mode.STRICT;
      add(
          4,
          "no answer without its record (strict durability)",
          strict ? Status.ENFORCED : Status.WEAKENED,
          strict
              ? "`audit.mode: strict`: the client's last byte waits for the fsynced record"
              : "`audit.mode: async`: records can be dropped under load (counted and alerted)");
      add(
          4,
          "alerts on audit failures and security bursts",
          a.webhook() == null ? Status.OFF : Status.ENFORCED,
          a.webhook() == null
              ? "no `audit.alerts.webhook`"
              : "webhook " + a.webhook() + " (HMAC-signed)");
      add(
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
      out.add(
          evidence
              .map(e -> logVerifies(e, a.dir()))
              .orElse(
                  new Control(
                      SECTIONS[3],
                      "the audit log verifies",
                      Status.NOT_VERIFIED,
                      "no log given (`--audit DIR`)")));
    }

    void access() {
      JsonNode authz = written("authorize");
      filterControl(
          5,
          "role-based authorization, default deny",
          "authorize",
          filter("authorize").isPresent() ? authz.path("roles").size() + " role(s)" : "");
      boolean mfa = false;
      if (filter("authorize").isPresent()) {
        for (JsonNode role : authz.path("roles")) {
          mfa |= role.path("require-mfa").asBoolean(false);
        }
      }
      add(
          5,
          "a second factor required for privileged roles",
          mfa ? Status.ENFORCED : Status.OFF,
          mfa ? "`require-mfa` on at least one role" : "no role has `require-mfa`");
      filterControl(5, "rate and token limits per caller", "rate-limit", "");
      List<GatewayFilter> filters = config.filters();
      for (int i = 0; i < filters.size(); i++) {
        if (filters.get(i).id().equals(AuthenticateFilter.ID)) {
          if (i > 0) {
            add(
                5,
                "authentication runs first",
                Status.WEAKENED,
                "`authenticate` is filter "
                    + (i + 1)
                    + ": "
                    + filters.subList(0, i).stream()
                        .map(GatewayFilter::id)
                        .collect(Collectors.joining(", "))
                    + " see unauthenticated requests");
          }
          break;
        }
      }
    }

    void privacy() {
      ServerSettings s = config.server();
      add(
          6,
          "TLS 1.2+ on the listener",
          s.tls() != null ? Status.ENFORCED : Status.WEAKENED,
          s.tls() != null
              ? "TLS 1.3/1.2 only, AEAD suites; client certificates "
                  + s.tls().clientAuth().name().toLowerCase(Locale.ROOT)
              : "plaintext listener on "
                  + s.host()
                  + (loopback(s.host()) ? " (loopback: a sidecar behind a TLS proxy)" : ""));
      String upHost = s.upstream().getHost();
      boolean https = "https".equals(s.upstream().getScheme());
      add(
          6,
          "TLS to LM Studio off the host",
          https || loopback(upHost) ? Status.ENFORCED : Status.WEAKENED,
          https
              ? "https"
                  + (s.upstreamTls() != null && !s.upstreamTls().pins().isEmpty()
                      ? " with pinned keys"
                      : "")
              : loopback(upHost)
                  ? "LM Studio on loopback (" + s.upstream() + ")"
                  : "plaintext to " + s.upstream());
      filterControl(
          6,
          "personal data and credentials kept out of prompts",
          "sensitive-data",
          writtenKeys("sensitive-data", "others"),
          w -> !w.startsWith("`output."));
      AuditSettings a = config.audit();
      if (a == null) {
        return;
      }
      Set<PayloadMode> modes = modes(a.policy());
      List<String> weak = new ArrayList<>();
      if (modes.contains(PayloadMode.REDACTED)) {
        weak.add(
            "`redacted` payloads are stored readable (only recognized sensitive spans masked)");
      }
      if (modes.contains(PayloadMode.ENCRYPTED)) {
        KeyPlacement.Finding k = KeyPlacement.check(a);
        if (k.status() != Status.ENFORCED) {
          weak.add(k.evidence());
        }
      }
      add(
          6,
          "stored prompts and answers protected",
          weak.isEmpty() ? Status.ENFORCED : Status.WEAKENED,
          "audit payloads "
              + modes.stream().map(PayloadMode::id).collect(Collectors.joining(", "))
              + (modes.contains(PayloadMode.ENCRYPTED) ? " (AES-256-GCM, per-day keys)" : "")
              + (weak.isEmpty() ? "" : "; " + String.join("; ", weak)));
    }

    void models() {
      JsonNode mp = written("model-policy");
      boolean on = filter("model-policy").isPresent();
      filterControl(
          7,
          "global model allowlist / denylist",
          "model-policy",
          writtenKeys("model-policy", "allow", "deny"));
      boolean integrity = on && mp.has("integrity");
      add(
          7,
          "model files verified against an integrity manifest",
          integrity ? Status.ENFORCED : Status.OFF,
          integrity
              ? "manifest " + mp.path("integrity").path("manifest").asText()
              : "no `model-policy.integrity`");
    }

    void vulnerabilities(Optional<String> sbom) {
      add(
          8,
          "a software bill of materials for the running build",
          sbom.isPresent() ? Status.ENFORCED : Status.NOT_VERIFIED,
          sbom.map(p -> "CycloneDX SBOM " + p)
              .orElse("no SBOM found beside the jar (the release build writes lmgate-sbom.json)"));
      add(
          8,
          "dependencies pinned and checksums verified at build time",
          Status.NOT_VERIFIED,
          "a property of the build, not of this config: the parent POM pins versions, the enforcer"
              + " converges them, `.mvn/maven.config` makes checksums strict; check the build log");
    }

    void incidents() {
      filterControl(9, "lockdown and kill switches", "kill-switch", "");
      JsonNode anomaly = written("anomaly-detection");
      filterControl(
          9,
          "anomaly detection",
          "anomaly-detection",
          anomaly.has("suspend")
              ? "suspends for " + anomaly.path("suspend").asText()
              : "alerts only (no `suspend`)");
      boolean enabled = config.adminPort() >= 0;
      boolean token = config.adminToken() != null;
      boolean adminKeys =
          filter(AuthenticateFilter.ID)
              .filter(AuthenticateFilter.class::isInstance)
              .flatMap(f -> ((AuthenticateFilter) f).keyStore())
              .isPresent();
      String how =
          (adminKeys ? "API keys with the role admin" : "")
              + (adminKeys && token ? " or " : "")
              + (token ? "`admin.token` from " + config.adminToken() : "");
      String name =
          "operator routes (approvals, incident, keys, config, audit) protected and audited";
      if (!enabled) {
        add(9, name, Status.OFF, "admin port disabled");
        return;
      }
      if (how.isEmpty()) {
        add(
            9,
            name,
            Status.OFF,
            "no admin keys and no `admin.token`: the operator routes refuse every call");
        return;
      }
      List<String> weak = new ArrayList<>();
      if (config.audit() == null) {
        weak.add("no audit log: operator calls are not recorded");
      }
      if (!loopback(config.adminHost())) {
        weak.add(
            "admin port on "
                + config.adminHost()
                + " without TLS: credentials cross the network in plaintext");
      }
      add(
          9,
          name,
          weak.isEmpty() ? Status.ENFORCED : Status.WEAKENED,
          how
              + " on "
              + config.adminHost()
              + (weak.isEmpty() ? "; every call audited" : "; " + String.join("; ", weak)));
    }

    void compliance(Optional<AuditEvidence> evidence) {
      add(
          10,
          "the configuration loads (a gateway would start with it)",
          Status.ENFORCED,
          "every setting and filter validated and built");
      AuditSettings a = config.audit();
      String shred = "retention per class, enforced by crypto-shredding";
      if (a == null) {
        add(10, shred, Status.OFF, "no audit log");
      } else {
        Set<PayloadMode> modes = modes(a.policy());
        String classes =
            a.retention().entrySet().stream()
                .map(e -> e.getKey() + " " + human(e.getValue()))
                .collect(Collectors.joining(", "));
        if (!modes.contains(PayloadMode.ENCRYPTED)) {
          boolean redacted = modes.contains(PayloadMode.REDACTED);
          add(
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
          add(
              10,
              shred,
              st,
              classes + "; " + (weak.isEmpty() ? k.evidence() : String.join("; ", weak)));
        }
      }
      String third = "evidence verifiable by third parties";
      if (a == null) {
        add(10, third, Status.OFF, "no audit log");
        return;
      }
      String how = "`lmgate audit verify|prove|consistency` with the pinned verifier key";
      if (evidence.isEmpty()) {
        add(10, third, Status.NOT_VERIFIED, how + "; no log given (`--audit DIR`)");
        return;
      }
      Control v = logVerifies(evidence.get(), a.dir());
      add(
          10,
          third,
          v.status() == Status.WEAKENED ? Status.NOT_VERIFIED : v.status(),
          how + "; " + v.evidence());
    }

    static Set<PayloadMode> modes(PayloadPolicy p) {
      Set<PayloadMode> m = EnumSet.of(p.payloads());
      p.rules().stream().filter(r -> r.payloads() != null).forEach(r -> m.add(r.payloads()));
      return m;
    }

    /** A duration as the config writes it: 10s, 5m, 365d. */
    static String human(java.time.Duration d) {
      long ms = d.toMillis();
      long[] units = {86_400_000, 3_600_000, 60_000, 1_000};
      String[] names = {"d", "h", "m", "s"};
      for (int i = 0; i < units.length; i++) {
        if (ms >= units[i] && ms % units[i] == 0) {
          return ms / units[i] + names[i];
        }
      }
      return ms + "ms";
    }

    static boolean loopback(String host) {
      return host.equals("127.0.0.1")
          || host.equals("localhost")
          || host.equals("::1")
          || host.startsWith("127.");
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
