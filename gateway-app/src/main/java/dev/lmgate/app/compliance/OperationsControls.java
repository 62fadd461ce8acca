package dev.lmgate.app.compliance;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lmgate.app.compliance.ComplianceReport.Status;
import dev.lmgate.app.config.AuditSettings;
import dev.lmgate.audit.record.PayloadMode;
import dev.lmgate.core.proxy.ServerSettings;
import dev.lmgate.filters.auth.AuthenticateFilter;
import dev.lmgate.spi.GatewayFilter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The handbook's §5–§9: authentication and authorization, data privacy, model security,
 * vulnerability management, incident response.
 */
final class OperationsControls {
  private OperationsControls() {}

  static void access(ControlChecks c) {
    JsonNode authz = c.written("authorize");
    c.filterControl(
        5,
        "role-based authorization, default deny",
        "authorize",
        c.filter("authorize").isPresent() ? authz.path("roles").size() + " role(s)" : "");
    boolean mfa = false;
    if (c.filter("authorize").isPresent()) {
      for (JsonNode role : authz.path("roles")) {
        mfa |= role.path("require-mfa").asBoolean(false);
      }
    }
    c.add(
        5,
        "a second factor required for privileged roles",
        mfa ? Status.ENFORCED : Status.OFF,
        mfa ? "`require-mfa` on at least one role" : "no role has `require-mfa`");
    c.filterControl(5, "rate and token limits per caller", "rate-limit", "");
    List<GatewayFilter> filters = c.config.filters();
    for (int i = 0; i < filters.size(); i++) {
      if (filters.get(i).id().equals(AuthenticateFilter.ID)) {
        if (i > 0) {
          c.add(
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

  static void privacy(ControlChecks c) {
    ServerSettings s = c.config.server();
    c.add(
        6,
        "TLS 1.2+ on the listener",
        s.tls() != null ? Status.ENFORCED : Status.WEAKENED,
        s.tls() != null
            ? "TLS 1.3/1.2 only, AEAD suites; client certificates "
                + s.tls().clientAuth().name().toLowerCase(Locale.ROOT)
            : "plaintext listener on "
                + s.host()
                + (ControlChecks.loopback(s.host())
                    ? " (loopback: a sidecar behind a TLS proxy)"
                    : ""));
    String upHost = s.upstream().getHost();
    boolean https = "https".equals(s.upstream().getScheme());
    c.add(
        6,
        "TLS to LM Studio off the host",
        https || ControlChecks.loopback(upHost) ? Status.ENFORCED : Status.WEAKENED,
        https
            ? "https"
                + (s.upstreamTls() != null && !s.upstreamTls().pins().isEmpty()
                    ? " with pinned keys"
                    : "")
            : ControlChecks.loopback(upHost)
                ? "LM Studio on loopback (" + s.upstream() + ")"
                : "plaintext to " + s.upstream());
    c.filterControl(
        6,
        "personal data and credentials kept out of prompts",
        "sensitive-data",
        c.writtenKeys("sensitive-data", "others"),
        w -> !w.startsWith("`output."));
    AuditSettings a = c.config.audit();
    if (a == null) {
      return;
    }
    Set<PayloadMode> modes = ControlChecks.modes(a.policy());
    List<String> weak = new ArrayList<>();
    if (modes.contains(PayloadMode.REDACTED)) {
      weak.add("`redacted` payloads are stored readable (only recognized sensitive spans masked)");
    }
    if (modes.contains(PayloadMode.ENCRYPTED)) {
      KeyPlacement.Finding k = KeyPlacement.check(a);
      if (k.status() != Status.ENFORCED) {
        weak.add(k.evidence());
      }
    }
    c.add(
        6,
        "stored prompts and answers protected",
        weak.isEmpty() ? Status.ENFORCED : Status.WEAKENED,
        "audit payloads "
            + modes.stream().map(PayloadMode::id).collect(Collectors.joining(", "))
            + (modes.contains(PayloadMode.ENCRYPTED) ? " (AES-256-GCM, per-day keys)" : "")
            + (weak.isEmpty() ? "" : "; " + String.join("; ", weak)));
  }

  static void models(ControlChecks c) {
    JsonNode mp = c.written("model-policy");
    boolean on = c.filter("model-policy").isPresent();
    c.filterControl(
        7,
        "global model allowlist / denylist",
        "model-policy",
        c.writtenKeys("model-policy", "allow", "deny"));
    boolean integrity = on && mp.has("integrity");
    c.add(
        7,
        "model files verified against an integrity manifest",
        integrity ? Status.ENFORCED : Status.OFF,
        integrity
            ? "manifest " + mp.path("integrity").path("manifest").asText()
            : "no `model-policy.integrity`");
  }

  static void vulnerabilities(ControlChecks c, Optional<String> sbom) {
    c.add(
        8,
        "a software bill of materials for the running build",
        sbom.isPresent() ? Status.ENFORCED : Status.NOT_VERIFIED,
        sbom.map(p -> "CycloneDX SBOM " + p)
            .orElse("no SBOM found beside the jar (the release build writes lmgate-sbom.json)"));
    c.add(
        8,
        "dependencies pinned and checksums verified at build time",
        Status.NOT_VERIFIED,
        "a property of the build, not of this config: the parent POM pins versions, the enforcer"
            + " converges them, `.mvn/maven.config` makes checksums strict; check the build log");
  }

  static void incidents(ControlChecks c) {
    c.filterControl(9, "lockdown and kill switches", "kill-switch", "");
    JsonNode anomaly = c.written("anomaly-detection");
    c.filterControl(
        9,
        "anomaly detection",
        "anomaly-detection",
        anomaly.has("suspend")
            ? "suspends for " + anomaly.path("suspend").asText()
            : "alerts only (no `suspend`)");
    boolean enabled = c.config.adminPort() >= 0;
    boolean token = c.config.adminToken() != null;
    boolean adminKeys =
        c.filter(AuthenticateFilter.ID)
            .filter(AuthenticateFilter.class::isInstance)
            .flatMap(f -> ((AuthenticateFilter) f).keyStore())
            .isPresent();
    String how =
        (adminKeys ? "API keys with the role admin" : "")
            + (adminKeys && token ? " or " : "")
            + (token ? "`admin.token` from " + c.config.adminToken() : "");
    String name =
        "operator routes (approvals, incident, keys, config, audit) protected and audited";
    if (!enabled) {
      c.add(9, name, Status.OFF, "admin port disabled");
      return;
    }
    if (how.isEmpty()) {
      c.add(
          9,
          name,
          Status.OFF,
          "no admin keys and no `admin.token`: the operator routes refuse every call");
      return;
    }
    List<String> weak = new ArrayList<>();
    if (c.config.audit() == null) {
      weak.add("no audit log: operator calls are not recorded");
    }
    if (!ControlChecks.loopback(c.config.adminHost())) {
      weak.add(
          "admin port on "
              + c.config.adminHost()
              + " without TLS: credentials cross the network in plaintext");
    }
    c.add(
        9,
        name,
        weak.isEmpty() ? Status.ENFORCED : Status.WEAKENED,
        how
            + " on "
            + c.config.adminHost()
            + (weak.isEmpty() ? "; every call audited" : "; " + String.join("; ", weak)));
  }
}
