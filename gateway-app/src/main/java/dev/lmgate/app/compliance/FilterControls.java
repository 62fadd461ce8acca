package dev.lmgate.app.compliance;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lmgate.app.compliance.ComplianceReport.Status;
import dev.lmgate.core.proxy.ServerSettings;
import dev.lmgate.filters.auth.AuthenticateFilter;
import dev.lmgate.secrets.SecretRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The handbook's §1–§3: API keys, input sanitization, prompt injection and output filtering. */
final class FilterControls {
  private FilterControls() {}

  static void keys(ControlChecks c) {
    Optional<AuthenticateFilter> auth =
        c.filter(AuthenticateFilter.ID)
            .filter(AuthenticateFilter.class::isInstance)
            .map(AuthenticateFilter.class::cast);
    JsonNode a = c.written(AuthenticateFilter.ID);
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
    c.filterControl(
        1, "every caller presents a credential", "authenticate", String.join(", ", methods));
    if (apiKeys) {
      String pepper = a.path("api-keys").path("pepper").asText("");
      c.add(
          1,
          "API key hashes peppered with a managed secret",
          pepper.isEmpty() ? Status.WEAKENED : Status.ENFORCED,
          pepper.isEmpty()
              ? "pepper generated into a file beside the key store (set `api-keys.pepper` to a"
                  + " secret reference)"
              : "`api-keys.pepper` from " + ControlChecks.reference(pepper));
    }
    SecretRef upstreamKey = c.config.upstreamKey();
    c.add(
        1,
        "the LM Studio key comes from a secret store, never the config",
        upstreamKey == null
            ? Status.OFF
            : SecretRef.LITERAL.equals(upstreamKey.scheme()) ? Status.WEAKENED : Status.ENFORCED,
        upstreamKey == null
            ? "no `upstream.api-key`: LM Studio is called without a key (its authentication is"
                + " off)"
            : "`upstream.api-key` from "
                + ControlChecks.reference(c.root.path("upstream").path("api-key").asText("")));
    boolean plain = c.config.secrets().allowPlainValues();
    c.add(
        1,
        "plain secret values refused",
        plain ? Status.WEAKENED : Status.ENFORCED,
        plain
            ? "`secrets.allow-plain-values: true` (development only)"
            : "only `${secret:…}` references are accepted");
    c.add(
        1,
        "rotated secrets picked up without a restart",
        Status.ENFORCED,
        "every `${secret:…}` reference re-read every "
            + ControlChecks.human(c.config.secrets().refresh())
            + " (`secrets.refresh`); audit keys take effect on restart");
  }

  static void sanitization(ControlChecks c) {
    c.filterControl(
        2,
        "inputs sanitized (structure, control and invisible characters, HTML)",
        "sanitize",
        c.writtenKeys("sanitize", "html", "control-characters", "invisible"));
    c.filterControl(
        2,
        "request size and output limits",
        "request-limits",
        c.writtenKeys("request-limits", "max-output-tokens", "max-messages", "max-body-bytes"));
    ServerSettings s = c.config.server();
    c.add(
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

  static void outputAndInjection(ControlChecks c) {
    c.filterControl(
        3,
        "prompt-injection detection",
        "prompt-injection",
        c.writtenKeys("prompt-injection", "threshold", "routes"));
    c.filterControl(
        3,
        "system prompts, delimiters and canary",
        "prompt-policy",
        c.writtenKeys("prompt-policy", "canary")
            + (c.written("prompt-policy").has("system-prompts")
                ? " " + c.written("prompt-policy").path("system-prompts").size() + " pinned"
                : ""));
    c.filterControl(
        3,
        "output filtered by patterns and keyword lists (streams held back)",
        "output-patterns",
        c.written("output-patterns").path("rules").size() + " rule(s)");
    if (c.filter("sensitive-data").isPresent() && c.written("sensitive-data").has("output")) {
      c.filterControl(
          3,
          "secrets and personal data blocked in answers",
          "sensitive-data",
          "`output` set",
          w -> w.startsWith("`output."));
    } else {
      c.add(
          3,
          "secrets and personal data blocked in answers",
          Status.OFF,
          "no `sensitive-data.output`");
    }
    String judge = c.filter("llm-judge").isPresent() ? "llm-judge" : "moderation-api";
    if (c.filter(judge).isEmpty()) {
      c.add(
          3,
          "moderation by a smaller model or a content-filter API",
          Status.OFF,
          "no `llm-judge` or `moderation-api` filter");
    } else {
      c.filterControl(3, "moderation by a smaller model or a content-filter API", judge, "");
    }
    c.filterControl(3, "semantic checks of answers", "output-semantics", "");
    c.filterControl(
        3,
        "a person approves sensitive tool calls",
        "tool-approval",
        c.writtenKeys("tool-approval", "tools"));
  }
}
