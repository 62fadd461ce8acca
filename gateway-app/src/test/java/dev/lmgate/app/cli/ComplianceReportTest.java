package dev.lmgate.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lmgate.app.Gateway;
import dev.lmgate.app.config.ConfigLoader;
import dev.lmgate.testkit.Fixtures;
import dev.lmgate.testkit.LmStudioSimulator;
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
        .isEqualTo("weakened: `authenticate` is filter 2");
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
    JsonNode intact = report("--config", config.toString(), "--audit", dir.toString());
    assertThat(status(intact, "the audit log verifies")).startsWith("enforced: intact: ");

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
    JsonNode tampered = report("--config", config.toString(), "--audit", dir.toString());
    assertThat(status(tampered, "the audit log verifies")).startsWith("weakened: TAMPERED");
  }
}
