package dev.lmgate.app.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lmgate.spi.ConfigException;
import dev.lmgate.spi.FilterSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {
  final ConfigLoader loader = new ConfigLoader(Map.of("PORT", "9999", "EMPTY", "")::get);

  @Test
  void theShippedConfigLoads() throws Exception {
    GatewayConfig c = ConfigLoader.fromEnvironment().load(Path.of("../config/gateway.yaml"));
    assertThat(c.filters())
        .extracting(f -> f.id())
        .containsExactly(
            "authenticate",
            "kill-switch",
            "anomaly-detection",
            "authorize",
            "rate-limit",
            "request-limits",
            "sanitize",
            "prompt-injection",
            "sensitive-data",
            "prompt-policy",
            "output-patterns");
    assertThat(c.server().firstByteTimeout()).isEqualTo(Duration.ofMinutes(10));
  }

  @Test
  void interpolatesEnvironmentVariablesWithDefaults() throws Exception {
    GatewayConfig c =
        loader.parse(
            "server:\n  port: ${PORT}\n  host: ${HOST:-0.0.0.0}\nupstream:\n  url: http://${EMPTY:-lm}:1234\n");
    assertThat(c.server().port()).isEqualTo(9999);
    assertThat(c.server().host()).isEqualTo("0.0.0.0");
    assertThat(c.server().upstream().toString()).isEqualTo("http://lm:1234");
  }

  @Test
  void defaultsMatchTheDocumentation() throws Exception {
    GatewayConfig c = loader.parse("");
    assertThat(c.server().maxRequestBytes()).isEqualTo(32 << 20);
    assertThat(c.server().upstream().toString()).isEqualTo("http://127.0.0.1:1234");
    assertThat(c.adminPort()).isEqualTo(9090);
    assertThat(c.filters()).isEmpty();
  }

  @Test
  void commonFilterSettingsAreRead() throws Exception {
    GatewayConfig c =
        loader.parse(
            "filters:\n  - id: request-limits\n    action: alert\n    timeout: 250ms\n    on-error: fail-open\n");
    FilterSettings s = c.filters().get(0).settings();
    assertThat(s)
        .isEqualTo(
            new FilterSettings(
                FilterSettings.Action.ALERT,
                Duration.ofMillis(250),
                FilterSettings.OnError.FAIL_OPEN));
  }

  @Test
  void errorsNameThePathTheValueAndWhatWasExpected() {
    assertError("server:\n  port: 70000\n", "server.port: 70000 (expected: between 0 and 65535)");
    assertError("server:\n  prot: 1\n", "server.prot: 1 (expected: one of [");
    assertError(
        "server:\n  port: ${NOPE}\n",
        "server.port: ${NOPE} (expected: environment variable NOPE to be set");
    assertError(
        "server:\n  idle-timeout: soon\n",
        "server.idle-timeout: soon (expected: a duration > 0 such as 500ms, 30s, 10m, 2h or 7d)");
    assertError(
        "server:\n  idle-timeout: 99999999999999999999s\n",
        "server.idle-timeout: 99999999999999999999s (expected: a duration > 0");
    assertError(
        "filters:\n  - id: authenticate\n    api-keys: {}\n  - id: rate-limit\n    default: {requests: 10/0m}\n",
        "filters[1].default.requests: 10/0m (expected: amount/window");
    assertError(
        "filters:\n  - id: rate-limit\n",
        "filters[0].id: rate-limit (expected: after an authenticate filter)");
    assertError(
        "server:\n  upstream-idle-evict: 5s\n", "server.upstream-idle-evict: PT5S (expected: < 5s");
    assertError(
        "upstream:\n  url: https://x/v1\n",
        "upstream.url: https://x/v1 (expected: http(s)://host:port without path");
    assertError(
        "upstream:\n  url: ftp://x:21\n",
        "upstream.url: ftp://x:21 (expected: http(s)://host:port");
    assertError(
        "upstream:\n  url: http://x:1\n  tls:\n    ca-file: /nonexistent.pem\n",
        "upstream.tls: http://x:1 (expected: an https:// upstream.url");
    assertError(
        "upstream:\n  url: https://x:1\n  tls:\n    pin-sha256: [abc]\n",
        "upstream.tls.pin-sha256: abc (expected: base64 of a SHA-256 digest");
    assertError(
        "filters:\n  - id: magic\n",
        "filters[0].id: magic (expected: one of [authenticate, kill-switch, anomaly-detection, authorize, model-policy, rate-limit,"
            + " request-limits, sanitize, prompt-injection, sensitive-data, prompt-policy,"
            + " llm-judge, moderation-api, tool-approval, output-semantics, output-patterns])");
    assertError(
        "filters:\n  - id: request-limits\n  - id: request-limits\n",
        "filters[1].id: request-limits (expected: each filter once)");
    assertError(
        "filters:\n  - id: request-limits\n    action: maybe\n",
        "filters[0].action: maybe (expected: one of [block, redact, alert])");
    assertError(
        "filters:\n  - id: request-limits\n    routes:\n      openai-chats: {max-messages: 1}\n",
        "filters[0].routes.openai-chats: openai-chats (expected: a route id");
    assertError(
        "filters:\n  - id: output-patterns\n    rules:\n      - name: x\n        pattern: 'a(?=b)'\n",
        "filters[0].rules[0].pattern: a(?=b) (expected: an RE2 pattern");
    assertError("server: [1, 2\n", "yaml: ");
  }

  @Test
  void theAuditSectionIsValidatedAndTheShippedOneEncrypts() throws Exception {
    GatewayConfig shipped = ConfigLoader.fromEnvironment().load(Path.of("../config/gateway.yaml"));
    assertThat(shipped.audit().policy().payloads().id()).isEqualTo("encrypted");
    assertThat(shipped.audit().retention().get("compliance")).isEqualTo(Duration.ofDays(2555));
    assertThat(shipped.audit().mode().name()).isEqualTo("ASYNC");
    assertThat(loader.parse("").audit()).isNull();
    assertThat(loader.parse("audit:\n  enabled: false\n").audit()).isNull();
    assertThat(loader.parse("audit:\n  payloads: hash-only\n").audit().dir())
        .isEqualTo(Path.of("lmgate-audit"));
    assertError(
        "audit:\n  payloads: encrypted\n",
        "audit.master-key: (missing) (expected: ${secret:…}, env:NAME or file:PATH");
    assertError(
        "audit:\n  master-key: c2VjcmV0\n",
        "audit.master-key: (hidden) (expected: ${secret:SCHEME:LOCATION}");
    assertError("audit:\n  payloads: all\n", "audit.payloads: all (expected: encrypted, redacted");
    assertError("audit:\n  mode: sync\n  payloads: none\n", "audit.mode: sync (expected: one of");
    assertError(
        "audit:\n  payloads: none\n  rules:\n    - routes: [openai-chats]\n      payloads: none\n",
        "audit.rules[0].routes: openai-chats (expected: a route id or glob");
    assertError(
        "audit:\n  payloads: none\n  rules:\n    - roles: [x]\n      class: legal\n",
        "audit.rules.class: legal (expected: a class listed under audit.retention");
    assertError(
        "audit:\n  payloads: none\n  alerts:\n    webhook: ftp://x\n",
        "audit.alerts.webhook: ftp://x");
    assertError(
        "audit:\n  payloads: none\n  alerts:\n    webhook: https://x\n",
        "audit.alerts.secret: (missing)");
    assertError(
        "audit:\n  payloads: none\n  export:\n    - type: kafka\n", "audit.export[0].type: kafka");
    assertError(
        "audit:\n  payloads: none\n  retention:\n    operational: forever\n",
        "audit.retention.operational: forever");
  }

  @Test
  void secretSettingsTakeReferencesAndRefusePlainValues() throws Exception {
    GatewayConfig c = loader.parse("upstream:\n  api-key: ${secret:vault:kv/data/lm#key}\n");
    assertThat(c.upstreamKey().toString()).isEqualTo("vault:kv/data/lm#key");
    assertThat(c.secrets().refresh()).isEqualTo(Duration.ofMinutes(5));
    assertThat(
            loader
                .parse(
                    "secrets:\n  aws:\n    region: eu-west-1\n    endpoint: https://vpce.example\n")
                .secrets())
        .isEqualTo(
            new SecretSettings(
                Duration.ofMinutes(5), "eu-west-1", java.net.URI.create("https://vpce.example")));
    assertThatThrownBy(() -> loader.parse("upstream:\n  api-key: sk-plain-value\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("upstream.api-key: *** (expected: a secret reference")
        .hasMessageNotContaining("sk-plain-value");
    assertError(
        "upstream:\n  api-key: ${secret:s3:bucket}\n",
        "upstream.api-key: ${secret:s3:bucket} (expected: unknown secret scheme s3");
  }

  @Test
  void azureAndGcpSettingsAndPlainValuesOnlyWhenAllowedForDevelopment() throws Exception {
    SecretSettings s =
        loader
            .parse(
                "secrets:\n  azure:\n    vault-url: https://{vault}.vault.azure.cn\n"
                    + "    managed-identity-client-id: 0000-1111\n  gcp:\n"
                    + "    endpoint: secretmanager.europe-west1.rep.googleapis.com:443\n")
            .secrets();
    assertThat(s.azure())
        .isEqualTo(
            new dev.lmgate.secrets.AzureKeyVaultProvider.Settings(
                "https://{vault}.vault.azure.cn", "0000-1111"));
    assertThat(s.gcp().endpoint()).isEqualTo("secretmanager.europe-west1.rep.googleapis.com:443");
    assertError(
        "secrets:\n  azure:\n    vault-url: http://kv.internal\n",
        "secrets.azure.vault-url: http://kv.internal (expected: an https:// URL");

    GatewayConfig dev =
        new ConfigLoader(k -> null)
            .parse("secrets:\n  allow-plain-values: true\nupstream:\n  api-key: sk-dev-only\n");
    assertThat(dev.upstreamKey().toString()).isEqualTo("literal:***");
    assertThat(dev.toString()).doesNotContain("sk-dev-only");
  }

  void assertError(String yaml, String messageStart) {
    assertThatThrownBy(() -> loader.parse(yaml))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(messageStart);
  }
}
