package dev.lmgate.app.e2e;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import dev.lmgate.app.Gateway;
import dev.lmgate.app.config.ConfigLoader;
import dev.lmgate.audit.checkpoint.SigningKey;
import dev.lmgate.audit.checkpoint.VerifierKey;
import dev.lmgate.audit.crypto.MasterKey;
import dev.lmgate.audit.crypto.PeriodKeys;
import dev.lmgate.audit.log.LogReader;
import dev.lmgate.audit.verify.AuditVerifier;
import dev.lmgate.simulator.Fixtures;
import dev.lmgate.simulator.LmStudioSimulator;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rotating the keys the audit trail decrypts and verifies with: the master key in AWS Secrets
 * Manager (its AWSPREVIOUS version keeps older payloads readable without a config change) and the
 * checkpoint signing key (its verifier key listed as previous keeps older checkpoints verifying).
 */
class AuditKeyRotationTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String CHAT =
      "{\"model\":\"qwen/qwen3-4b-2507\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}";
  @TempDir Path tmp;
  LmStudioSimulator sim;
  WireMockServer aws;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void start() throws Exception {
    sim = new LmStudioSimulator(Fixtures.locate());
    sim.start(0);
    aws = new WireMockServer(wireMockConfig().bindAddress("127.0.0.1").dynamicPort());
    aws.start();
  }

  @AfterEach
  void stop() {
    aws.stop();
    sim.close();
  }

  static String randomKey() {
    byte[] raw = new byte[32];
    new SecureRandom().nextBytes(raw);
    return Base64.getEncoder().encodeToString(raw);
  }

  static ResponseDefinitionBuilder json(String body) {
    return aResponse().withHeader("Content-Type", "application/x-amz-json-1.1").withBody(body);
  }

  static String secretValue(String key, String version, String stage) {
    return "{\"Name\":\"prod/audit\",\"SecretString\":\"{\\\"key\\\":\\\""
        + key
        + "\\\"}\",\"VersionId\":\""
        + version
        + "\",\"VersionStages\":[\""
        + stage
        + "\"],\"CreatedDate\":1.76E9}";
  }

  /** Secrets Manager with {@code current} as AWSCURRENT and, if given, {@code previous}. */
  void serveMasterKey(String current, String previous) {
    aws.resetAll();
    aws.stubFor(
        post(urlEqualTo("/"))
            .withHeader("X-Amz-Target", equalTo("secretsmanager.GetSecretValue"))
            .withRequestBody(
                equalToJson("{\"SecretId\":\"prod/audit\",\"VersionStage\":\"AWSCURRENT\"}"))
            .willReturn(json(secretValue(current, previous == null ? "v1" : "v2", "AWSCURRENT"))));
    String versions =
        previous == null
            ? "{\"VersionId\":\"v1\",\"VersionStages\":[\"AWSCURRENT\"],\"CreatedDate\":1.70E9}"
            : "{\"VersionId\":\"v1\",\"VersionStages\":[\"AWSPREVIOUS\"],\"CreatedDate\":1.70E9},"
                + "{\"VersionId\":\"v2\",\"VersionStages\":[\"AWSCURRENT\"],\"CreatedDate\":1.76E9}";
    aws.stubFor(
        post(urlEqualTo("/"))
            .withHeader("X-Amz-Target", equalTo("secretsmanager.ListSecretVersionIds"))
            .willReturn(json("{\"Name\":\"prod/audit\",\"Versions\":[" + versions + "]}")));
    if (previous != null) {
      aws.stubFor(
          post(urlEqualTo("/"))
              .withHeader("X-Amz-Target", equalTo("secretsmanager.GetSecretValue"))
              .withRequestBody(equalToJson("{\"SecretId\":\"prod/audit\",\"VersionId\":\"v1\"}"))
              .willReturn(json(secretValue(previous, "v1", "AWSPREVIOUS"))));
    }
  }

  String yaml(String auditExtra) {
    return "server:\n  port: 0\n  access-log: false\nadmin:\n  enabled: false\nupstream:\n  url: "
        + sim.baseUrl()
        + "\nsecrets:\n  aws:\n    region: eu-west-1\n    endpoint: http://127.0.0.1:"
        + aws.port()
        + "\naudit:\n  dir: "
        + tmp.resolve("log")
        + "\n  payloads: encrypted\n  mode: strict\n"
        + auditExtra;
  }

  Gateway start(String yaml) throws Exception {
    ConfigLoader loader = new ConfigLoader(k -> null);
    return new Gateway(loader.parse(yaml), null, loader, s -> {}).start();
  }

  String chat(Gateway gw) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:" + gw.address().getPort() + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(10))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(CHAT))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.headers().firstValue("x-request-id").orElseThrow();
  }

  JsonNode prompt(PeriodKeys keys, String requestId) throws Exception {
    JsonNode rec =
        LogReader.read(tmp.resolve("log/segments")).entries().stream()
            .map(LogReader.Entry::json)
            .filter(r -> requestId.equals(r.path("request_id").asText()))
            .findFirst()
            .orElseThrow();
    return JSON.readTree(keys.open(requestId + "/prompt", rec.path("prompt")).orElseThrow());
  }

  @Test
  void aMasterKeyRotatedInSecretsManagerKeepsOlderPayloadsReadableWithoutAConfigChange()
      throws Exception {
    System.setProperty("aws.accessKeyId", "AKIATESTTESTTESTTEST");
    System.setProperty("aws.secretAccessKey", "test-secret-access-key");
    try {
      String k1 = randomKey();
      String k2 = randomKey();
      String config = yaml("  master-key: ${secret:aws-sm:prod/audit#key}\n");
      serveMasterKey(k1, null);
      String before;
      try (Gateway gw = start(config)) {
        before = chat(gw);
      }
      // Rotated in Secrets Manager: k2 is AWSCURRENT, k1 AWSPREVIOUS. Today's payload key was
      // wrapped by k1: without the previous version the trail could not seal or open it.
      serveMasterKey(k2, k1);
      String after;
      try (Gateway gw = start(config)) {
        after = chat(gw);
      }
      PeriodKeys keys =
          new PeriodKeys(
              tmp.resolve("log/keys"), MasterKey.fromBase64(k2), List.of(MasterKey.fromBase64(k1)));
      assertThat(prompt(keys, before).toString()).contains("hello");
      assertThat(prompt(keys, after).toString()).contains("hello");

      // Had the store kept no history, the trail would refuse to open with k2 alone.
      serveMasterKey(k2, null);
      assertThatThrownBy(() -> start(config).close())
          .isInstanceOf(IOException.class)
          .hasMessageContaining("does not open with the master key")
          .hasMessageContaining("audit.previous-master-keys");
    } finally {
      System.clearProperty("aws.accessKeyId");
      System.clearProperty("aws.secretAccessKey");
    }
  }

  @Test
  void aRotatedSigningKeyKeepsOlderCheckpointsVerifyingThroughItsListedVerifierKey()
      throws Exception {
    Path master = tmp.resolve("master.key");
    String signing = tmp.resolve("signing.key").toString();
    String base = "  master-key: file:" + master + "\n  signing-key: " + signing + "\n";
    try (Gateway gw = start(yaml(base))) {
      chat(gw);
    }
    String oldVerifier = SigningKey.load(Path.of(signing)).verifier().encoded();
    Files.move(Path.of(signing), tmp.resolve("signing.key.retired"));

    assertThatThrownBy(() -> start(yaml(base)).close())
        .isInstanceOf(IOException.class)
        .hasMessageContaining("does not verify with the signing key");

    try (Gateway gw = start(yaml(base + "  previous-verifier-keys: [\"" + oldVerifier + "\"]\n"))) {
      chat(gw);
    }
    List<VerifierKey> accepted =
        VerifierKey.parseAll(Files.readString(tmp.resolve("log/verifier.key")));
    assertThat(accepted).hasSize(2);
    assertThat(accepted.get(1).encoded()).isEqualTo(oldVerifier);
    AuditVerifier.Report r =
        AuditVerifier.verify(tmp.resolve("log/segments"), tmp.resolve("log/checkpoints"), accepted);
    assertThat(r.problem()).isNull();
    assertThat(r.checkpoints()).isGreaterThanOrEqualTo(2);
  }
}
