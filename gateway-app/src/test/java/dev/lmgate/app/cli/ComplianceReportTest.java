package dev.lmgate.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lmgate.app.Gateway;
import dev.lmgate.app.config.ConfigLoader;
import dev.lmgate.simulator.Fixtures;
import dev.lmgate.simulator.LmStudioSimulator;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lmgate compliance report} tells the truth about a config and an audit log. */
class ComplianceReportTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;

  static String status(JsonNode report, String control) {
    for (JsonNode c : report.path("controls")) {
      if (c.path("control").asText().equals(control)) {
        return c.path("status").asText() + ": " + c.path("evidence").asText();
      }
    }
    throw new AssertionError("no control " + control + " in " + report);
  }

  static JsonNode report(String... args) throws Exception {
    String[] all =
        Stream.concat(Stream.of("compliance", "report", "--format", "json"), Stream.of(args))
            .toArray(String[]::new);
    KeysCommandTest.Run r = KeysCommandTest.lmgate(all);
    assertThat(r.code()).isZero();
    return JSON.readTree(r.out());
  }

  @Test
  void theDemoConfigIsReportedAsItIs() throws Exception {
    JsonNode r = report("--demo");
    assertThat(r.path("loads").asBoolean()).isTrue();
    assertThat(status(r, "no answer without its record (strict durability)"))
        .startsWith("weakened: `audit.mode: async`");
    assertThat(status(r, "TLS 1.2+ on the listener")).startsWith("weakened: plaintext listener");
    assertThat(status(r, "lockdown and kill switches")).startsWith("enforced");
    assertThat(status(r, "anomaly detection")).startsWith("enforced").contains("suspends for 5m");
    assertThat(status(r, "global model allowlist / denylist")).startsWith("off");
    assertThat(status(r, "the LM Studio key comes from a secret store, never the config"))
        .isEqualTo("enforced: `upstream.api-key` from `${secret:env:LMSTUDIO_API_KEY}`");
    assertThat(r.toString()).doesNotContain("demo-upstream-key"); // a secret's value never shows
  }

  @Test
  void shadowModeFailOpenPlaintextAndLateAuthenticationAreWeakened() throws Exception {
    Path config = tmp.resolve("gateway.yaml");
    Files.writeString(
        config,
        """
        server: {port: 0, host: 0.0.0.0}
        upstream: {url: "http://lmstudio.internal:1234"}
        filters:
          - id: prompt-injection
            action: alert
          - id: authenticate
            api-keys: {store: "%s"}
          - id: sanitize
            on-error: fail-open
        """
            .formatted(tmp.resolve("keys.json").toString().replace("\\", "/")));
    JsonNode r = report("--config", config.toString());
    assertThat(r.path("loads").asBoolean()).isTrue();
    assertThat(status(r, "authentication runs first"))
        .isEqualTo(
            "weakened: `authenticate` is filter 2: prompt-injection see unauthenticated requests");
    assertThat(status(r, "prompt-injection detection"))
        .startsWith("weakened")
        .contains("shadow mode");
    assertThat(status(r, "inputs sanitized (structure, control and invisible characters, HTML)"))
        .startsWith("weakened")
        .contains("fail-open");
    assertThat(status(r, "TLS to LM Studio off the host"))
        .isEqualTo("weakened: plaintext to http://lmstudio.internal:1234");
    assertThat(status(r, "every exchange and security event recorded, tamper-evident"))
        .startsWith("off");
  }

  @Test
  void anAuditLogIsVerifiedAndATamperedOneIsReported() throws Exception {
    Path dir = tmp.resolve("audit");
    LmStudioSimulator sim = new LmStudioSimulator(Fixtures.locate());
    sim.start(0);
    String yaml =
        """
        server: {port: 0, access-log: false}
        admin: {enabled: false}
        upstream: {url: "%s"}
        audit:
          dir: "%s"
          signing-key: "%s"
          master-key: "file:%s"
        """
            .formatted(
                sim.baseUrl(),
                dir.toString().replace("\\", "/"),
                tmp.resolve("signing.key").toString().replace("\\", "/"),
                tmp.resolve("master.key").toString().replace("\\", "/"));
    Path config = tmp.resolve("gateway.yaml");
    Files.writeString(config, yaml);
    ConfigLoader loader = new ConfigLoader(k -> null);
    try (Gateway gw = new Gateway(loader.load(config), null, loader, s -> {}).start()) {
      HttpResponse<String> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + gw.address().getPort() + "/v1/models"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
    } finally {
      sim.close();
    }
    JsonNode unpinned = report("--config", config.toString(), "--audit", dir.toString());
    assertThat(status(unpinned, "the audit log verifies"))
        .startsWith("weakened: intact: ")
        .contains("verifier key stored in the log directory");
    assertThat(status(unpinned, "evidence verifiable by third parties")).startsWith("not_verified");

    String pinnedKey = Files.readString(dir.resolve("verifier.key")).strip();
    JsonNode intact =
        report(
            "--config", config.toString(), "--audit", dir.toString(), "--verifier-key", pinnedKey);
    assertThat(status(intact, "the audit log verifies")).startsWith("enforced: intact: ");
    assertThat(status(intact, "evidence verifiable by third parties")).startsWith("enforced");

    Path otherConfig = tmp.resolve("other.yaml");
    Files.writeString(
        otherConfig, yaml.replace(dir.toString().replace("\\", "/"), dir + "-elsewhere"));
    JsonNode elsewhere =
        report(
            "--config",
            otherConfig.toString(),
            "--audit",
            dir.toString(),
            "--verifier-key",
            pinnedKey);
    assertThat(status(elsewhere, "the audit log verifies"))
        .startsWith("not_verified")
        .contains("not evidence for this config");
    assertThat(status(elsewhere, "evidence verifiable by third parties"))
        .startsWith("not_verified");

    Path segment;
    try (Stream<Path> s = Files.list(dir.resolve("segments"))) {
      segment = s.sorted().findFirst().orElseThrow();
    }
    try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "rw")) {
      f.seek(20);
      int b = f.read();
      f.seek(20);
      f.write(b ^ 1); // one bit flipped in the first record
    }
    JsonNode tampered =
        report(
            "--config", config.toString(), "--audit", dir.toString(), "--verifier-key", pinnedKey);
    assertThat(status(tampered, "the audit log verifies")).startsWith("failed: TAMPERED");
    assertThat(status(tampered, "evidence verifiable by third parties")).startsWith("failed");
  }

  /** A config with an audit section: {@code extra} lines go under {@code audit:}. */
  Path auditConfig(String masterKey, String... extra) throws IOException {
    Path config = tmp.resolve("gateway.yaml");
    Files.writeString(
        config,
        """
        server: {port: 0}
        admin: {enabled: false}
        audit:
          dir: "%s"
          signing-key: "%s"
          master-key: "%s"
        """
                .formatted(
                    tmp.resolve("audit").toString().replace("\\", "/"),
                    tmp.resolve("signing.key").toString().replace("\\", "/"),
                    masterKey)
            + String.join("", Stream.of(extra).map(l -> "  " + l + "\n").toList()));
    return config;
  }

  @Test
  void withoutAuditEvidenceTheLogAndThirdPartyVerifiabilityAreNotVerified() throws Exception {
    JsonNode r = report("--config", auditConfig("env:LMGATE_TEST_MASTER_KEY").toString());
    assertThat(status(r, "evidence verifiable by third parties")).startsWith("not_verified");
    assertThat(status(r, "the audit log verifies"))
        .isEqualTo("not_verified: no log given (`--audit DIR`)");
  }

  @Test
  void withAuditDisabledNothingIsShreddedRecordedOrVerifiable() throws Exception {
    JsonNode r =
        report("--config", auditConfig("env:LMGATE_TEST_MASTER_KEY", "enabled: false").toString());
    assertThat(status(r, "retention per class, enforced by crypto-shredding")).startsWith("off");
    assertThat(status(r, "evidence verifiable by third parties")).startsWith("off");
    assertThat(status(r, "every exchange and security event recorded, tamper-evident"))
        .startsWith("off");
    assertThat(r.toString()).doesNotContain("stored prompts and answers protected");
  }

  @Test
  void aMasterKeyOnTheAuditVolumeWeakensCryptoShredding() throws Exception {
    String inLog = "file:" + tmp.resolve("audit/master.key").toString().replace("\\", "/");
    JsonNode r = report("--config", auditConfig(inLog).toString());
    assertThat(status(r, "retention per class, enforced by crypto-shredding"))
        .startsWith("weakened")
        .contains("same volume as the audit log");
    assertThat(status(r, "stored prompts and answers protected")).startsWith("weakened");

    String beside = "file:" + tmp.resolve("master.key").toString().replace("\\", "/");
    assertThat(
            status(
                report("--config", auditConfig(beside).toString()),
                "retention per class, enforced by crypto-shredding"))
        .startsWith("weakened") // the same temporary filesystem as the log
        .contains("same volume");

    JsonNode fromEnv = report("--config", auditConfig("env:LMGATE_TEST_MASTER_KEY").toString());
    assertThat(status(fromEnv, "retention per class, enforced by crypto-shredding"))
        .startsWith("enforced")
        .contains("kept apart");
  }

  @Test
  void aPreviousMasterKeyOnTheAuditVolumeIsFlaggedToo() throws Exception {
    String inLog = "file:" + tmp.resolve("audit/old-master.key").toString().replace("\\", "/");
    JsonNode r =
        report(
            "--config",
            auditConfig("env:LMGATE_TEST_MASTER_KEY", "previous-master-keys: [\"" + inLog + "\"]")
                .toString());
    assertThat(status(r, "retention per class, enforced by crypto-shredding"))
        .startsWith("weakened")
        .contains("old-master.key");
  }

  @Test
  void aSigningKeyOnTheAuditVolumeWeakensTamperEvidence() throws Exception {
    String control = "every exchange and security event recorded, tamper-evident";
    assertThat(
            status(
                report("--config", auditConfig("env:LMGATE_TEST_MASTER_KEY").toString()), control))
        .startsWith("weakened")
        .contains("whoever can rewrite the log can re-sign it");
    Path config = auditConfig("env:LMGATE_TEST_MASTER_KEY");
    Files.writeString(
        config,
        Files.readString(config)
            .replaceFirst(
                "signing-key: \"[^\"]*\"",
                "signing-key: \"\\${secret:env:LMGATE_TEST_SIGNING_KEY}\""));
    assertThat(status(report("--config", config.toString()), control)).startsWith("enforced");
  }

  @Test
  void redactedPayloadsAreNotShredded() throws Exception {
    JsonNode r = report("--config", auditConfig("", "payloads: redacted").toString());
    assertThat(status(r, "retention per class, enforced by crypto-shredding"))
        .startsWith("weakened")
        .contains("redacted");
  }

  @Test
  void theDurabilityModeIsTheOneTheGatewayRunsWithWhenUnset() throws Exception {
    // The loader's default is async: a report assuming strict would claim a guarantee not in force.
    JsonNode r = report("--config", auditConfig("env:LMGATE_TEST_MASTER_KEY").toString());
    assertThat(status(r, "no answer without its record (strict durability)"))
        .startsWith("weakened: `audit.mode: async`");
    JsonNode strict =
        report("--config", auditConfig("env:LMGATE_TEST_MASTER_KEY", "mode: strict").toString());
    assertThat(status(strict, "no answer without its record (strict durability)"))
        .startsWith("enforced");
  }

  @Test
  void injectionGuardSettingsThatLetAttacksThroughAreWeakened() throws Exception {
    Path config = tmp.resolve("gateway.yaml");
    Files.writeString(
        config,
        """
        server: {port: 0}
        admin: {enabled: false}
        filters:
          - id: prompt-injection
            trusted-roles: [system]
            explain: true
            allow-principals: ["role:admin"]
        """);
    String weak = status(report("--config", config.toString()), "prompt-injection detection");
    assertThat(weak)
        .startsWith("weakened")
        .contains("`trusted-roles: [system]`: client-written text in these roles is not scanned")
        .contains("`explain: true`")
        .contains("`allow-principals: [role:admin]`");

    Files.writeString(
        config,
        """
        server: {port: 0}
        admin: {enabled: false}
        filters:
          - id: prompt-injection
            trusted-roles: []
            explain: false
        """);
    assertThat(status(report("--config", config.toString()), "prompt-injection detection"))
        .startsWith("enforced");
  }

  @Test
  void sanitizingThatLetsHiddenCharactersThroughIsWeakened() throws Exception {
    Path config = tmp.resolve("gateway.yaml");
    Files.writeString(
        config,
        """
        server: {port: 0}
        admin: {enabled: false}
        filters:
          - id: sanitize
            invisible: "off"
        """);
    assertThat(
            status(
                report("--config", config.toString()),
                "inputs sanitized (structure, control and invisible characters, HTML)"))
        .startsWith("weakened")
        .contains("`invisible: off`");
  }

  @Test
  void personalDataOnlyAlertedOnOrRestoredIntoToolCallsIsWeakened() throws Exception {
    Path config = tmp.resolve("gateway.yaml");
    Files.writeString(
        config,
        """
        server: {port: 0}
        admin: {enabled: false}
        filters:
          - id: sensitive-data
            types: {secrets: block, EMAIL_ADDRESS: alert}
            others: block
            output: {types: {secrets: block}, restore-in-tool-arguments: true}
        """);
    JsonNode r = report("--config", config.toString());
    assertThat(status(r, "personal data and credentials kept out of prompts"))
        .startsWith("weakened")
        .contains("`alert` for EMAIL_ADDRESS: these values reach the model")
        .doesNotContain("restore-in-tool-arguments");
    assertThat(status(r, "secrets and personal data blocked in answers"))
        .startsWith("weakened")
        .contains("`output.restore-in-tool-arguments: true`")
        .doesNotContain("EMAIL_ADDRESS");

    Files.writeString(
        config,
        """
        server: {port: 0}
        admin: {enabled: false}
        filters:
          - id: sensitive-data
            types: {secrets: block, personal: redact}
            others: block
            output: {types: {secrets: block}}
        """);
    JsonNode strong = report("--config", config.toString());
    assertThat(status(strong, "personal data and credentials kept out of prompts"))
        .startsWith("enforced");
    assertThat(status(strong, "secrets and personal data blocked in answers"))
        .startsWith("enforced");
  }

  @Test
  void aConfigThatDoesNotLoadEnforcesNothing() throws Exception {
    Path config = tmp.resolve("gateway.yaml");
    Files.writeString(
        config,
        """
        server: {port: 0}
        filters:
          - id: prompt-injection
            threshold: 7
        """);
    JsonNode r = report("--config", config.toString());
    assertThat(r.path("loads").asBoolean()).isFalse();
    assertThat(r.path("summary").path("enforced").asInt()).isZero();
    assertThat(status(r, "the configuration loads (a gateway would start with it)"))
        .startsWith("failed")
        .contains("threshold");
  }

  @Test
  void buildPropertiesAreNotVerifiedFromAConfig() throws Exception {
    JsonNode r = report("--demo");
    assertThat(status(r, "dependencies pinned and checksums verified at build time"))
        .startsWith("not_verified");
  }

  @Test
  void operatorRoutesWithoutAnAuditLogOrOnANetworkAddressAreWeakened() throws Exception {
    Path config = tmp.resolve("gateway.yaml");
    Files.writeString(
        config,
        """
        server: {port: 0}
        admin: {host: 0.0.0.0, port: 0, token: "${secret:env:LMGATE_TEST_ADMIN_TOKEN}"}
        """);
    String s =
        status(
            report("--config", config.toString()),
            "operator routes (approvals, incident, keys, config, audit) protected and audited");
    assertThat(s)
        .startsWith("weakened")
        .contains("operator calls are not recorded")
        .contains("without TLS");
  }
}
