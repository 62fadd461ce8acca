package dev.lmgate.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lmgate.app.Gateway;
import dev.lmgate.app.config.ConfigLoader;
import dev.lmgate.simulator.Fixtures;
import dev.lmgate.simulator.LmStudioSimulator;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LM Studio's own API key comes from a secret reference and rotates without a restart. */
class UpstreamKeyTest {
  @TempDir Path tmp;
  LmStudioSimulator sim;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void start() throws Exception {
    sim = new LmStudioSimulator(Fixtures.locate());
    sim.start(0);
  }

  @AfterEach
  void stop() {
    sim.close();
  }

  Gateway gateway(String apiKey, Map<String, String> env) throws Exception {
    ConfigLoader loader = new ConfigLoader(env::get);
    String yaml =
        "server:\n  port: 0\n  access-log: false\nadmin:\n  enabled: false\nupstream:\n  url: "
            + sim.baseUrl()
            + "\n  api-key: "
            + apiKey
            + "\nsecrets:\n  refresh: 1h\n";
    return new Gateway(loader.parse(yaml), null, loader, s -> {}).start();
  }

  int models(Gateway gw, String clientAuth) throws Exception {
    return http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + gw.address().getPort() + "/v1/models"))
                .header("authorization", clientAuth)
                .timeout(Duration.ofSeconds(5))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }

  /**
   * Sends 50 requests while {@code rotation} runs; returns how many failed, after checking that all
   * 50 were answered (a traffic thread still running would count its unsent requests as successes).
   */
  int failedRequestsWhile(Gateway gw, ThrowingRunnable rotation) throws Exception {
    AtomicInteger failed = new AtomicInteger();
    AtomicInteger done = new AtomicInteger();
    Thread traffic =
        new Thread(
            () -> {
              for (int i = 0; i < 50; i++) {
                try {
                  if (models(gw, "Bearer client") != 200) {
                    failed.incrementAndGet();
                  }
                } catch (Exception e) {
                  failed.incrementAndGet(); // counted, and asserted by the caller
                }
                done.incrementAndGet();
              }
            });
    traffic.start();
    rotation.run();
    traffic.join(60_000); // a guard against a hang, not a measured time
    assertThat(traffic.isAlive()).as("the traffic thread finished").isFalse();
    assertThat(done.get()).as("every request was answered or failed").isEqualTo(50);
    return failed.get();
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  @Test
  void theKeyFromAFileReachesLmStudioInPlaceOfTheClientsAndARotationAppliesWithoutARestart()
      throws Exception {
    Path key = tmp.resolve("lmstudio.key");
    Files.writeString(key, "lm-key-one\n");
    try (Gateway gw = gateway("${secret:file:" + key + "}", Map.of())) {
      assertThat(models(gw, "Bearer client-token")).isEqualTo(200);
      assertThat(sim.takeRequest().headers()).containsEntry("authorization", "Bearer lm-key-one");

      // Rotation under traffic: requests keep flowing while the file changes and is re-read.
      assertThat(
              failedRequestsWhile(
                  gw,
                  () -> {
                    Files.writeString(key, "lm-key-two\n");
                    gw.secrets().refreshAll();
                  }))
          .isZero();
      while (sim.pendingRequests() > 0) {
        sim.takeRequest();
      }
      assertThat(models(gw, "Bearer client-token")).isEqualTo(200);
      assertThat(sim.takeRequest().headers()).containsEntry("authorization", "Bearer lm-key-two");
    }
  }

  @Test
  void aKeyInAwsSecretsManagerRotatesUnderTrafficWithoutAFailedRequest() throws Exception {
    com.github.tomakehurst.wiremock.WireMockServer aws =
        new com.github.tomakehurst.wiremock.WireMockServer(
            com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig()
                .bindAddress("127.0.0.1")
                .dynamicPort());
    aws.start();
    // The SDK's default credential chain reads these; throwaway values for the emulator.
    System.setProperty("aws.accessKeyId", "AKIATESTTESTTESTTEST");
    System.setProperty("aws.secretAccessKey", "test-only-secret-access-key");
    try {
      for (String[] v :
          new String[][] {
            {com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED, "aws-key-one"},
            {"rotated", "aws-key-two"}
          }) {
        aws.stubFor(
            com.github.tomakehurst.wiremock.client.WireMock.post("/")
                .withHeader(
                    "X-Amz-Target",
                    com.github.tomakehurst.wiremock.client.WireMock.equalTo(
                        "secretsmanager.GetSecretValue"))
                .inScenario("rotation")
                .whenScenarioStateIs(v[0])
                .willReturn(
                    com.github.tomakehurst.wiremock.client.WireMock.aResponse()
                        .withHeader("Content-Type", "application/x-amz-json-1.1")
                        .withBody(
                            "{\"Name\":\"prod/lmstudio\",\"VersionId\":\"v\",\"VersionStages\":[\"AWSCURRENT\"],"
                                + "\"SecretString\":\"{\\\"apiKey\\\":\\\""
                                + v[1]
                                + "\\\"}\"}")));
      }
      ConfigLoader loader = new ConfigLoader(k -> null);
      String yaml =
          "server:\n  port: 0\n  access-log: false\nadmin:\n  enabled: false\nupstream:\n  url: "
              + sim.baseUrl()
              + "\n  api-key: ${secret:aws-sm:prod/lmstudio#apiKey}\nsecrets:\n  refresh: 1h\n  aws:\n"
              + "    region: eu-west-1\n    endpoint: http://127.0.0.1:"
              + aws.port()
              + "\n";
      try (Gateway gw = new Gateway(loader.parse(yaml), null, loader, s -> {}).start()) {
        assertThat(models(gw, "Bearer client")).isEqualTo(200);
        assertThat(sim.takeRequest().headers())
            .containsEntry("authorization", "Bearer aws-key-one");
        assertThat(
                failedRequestsWhile(
                    gw,
                    () -> {
                      // a rotation function moved AWSCURRENT
                      aws.setScenarioState("rotation", "rotated");
                      gw.secrets().refreshAll();
                    }))
            .isZero();
        while (sim.pendingRequests() > 0) {
          sim.takeRequest();
        }
        assertThat(models(gw, "Bearer client")).isEqualTo(200);
        assertThat(sim.takeRequest().headers())
            .containsEntry("authorization", "Bearer aws-key-two");
      }
    } finally {
      System.clearProperty("aws.accessKeyId");
      System.clearProperty("aws.secretAccessKey");
      aws.stop();
    }
  }

  @Test
  void switchingToVaultIsOneLine() throws Exception {
    com.github.tomakehurst.wiremock.WireMockServer vault =
        new com.github.tomakehurst.wiremock.WireMockServer(
            com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig()
                .bindAddress("127.0.0.1")
                .dynamicPort());
    vault.start();
    try {
      vault.stubFor(
          com.github.tomakehurst.wiremock.client.WireMock.get("/v1/kv/data/lmstudio")
              .withHeader(
                  "X-Vault-Token",
                  com.github.tomakehurst.wiremock.client.WireMock.equalTo("hvs.test"))
              .willReturn(
                  com.github.tomakehurst.wiremock.client.WireMock.aResponse()
                      .withBody(
                          "{\"data\":{\"data\":{\"apiKey\":\"from-vault\"},\"metadata\":{\"version\":1}}}")));
      ConfigLoader loader = new ConfigLoader(Map.of("VAULT_TOKEN", "hvs.test")::get);
      String yaml =
          "server:\n  port: 0\n  access-log: false\nadmin:\n  enabled: false\nupstream:\n  url: "
              + sim.baseUrl()
              + "\n  api-key: ${secret:vault:kv/lmstudio#apiKey}\nsecrets:\n  vault:\n    address: http://127.0.0.1:"
              + vault.port()
              + "\n";
      try (Gateway gw = new Gateway(loader.parse(yaml), null, loader, s -> {}).start()) {
        assertThat(models(gw, "Bearer client")).isEqualTo(200);
        assertThat(sim.takeRequest().headers()).containsEntry("authorization", "Bearer from-vault");
      }
    } finally {
      vault.stop();
    }
  }

  @Test
  void whenLmStudioRefusesTheKeyItIsReReadAndTheRequestSentOnceMore() throws Exception {
    Path key = tmp.resolve("lmstudio.key");
    Files.writeString(key, "old-key\n");
    try (Gateway gw = gateway("${secret:file:" + key + "}", Map.of())) {
      // Rotated in LM Studio and in the file, but the gateway's hourly refresh has not run yet.
      sim.requireApiKey("new-key");
      Files.writeString(key, "new-key\n");
      HttpResponse<String> chat =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(
                          "http://127.0.0.1:" + gw.address().getPort() + "/v1/chat/completions"))
                  .header("content-type", "application/json")
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"model\":\"qwen/qwen3-4b-2507\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(chat.statusCode()).isEqualTo(200);
      assertThat(chat.body()).contains("chat.completion");
      assertThat(sim.takeRequest().headers()).containsEntry("authorization", "Bearer old-key");
      LmStudioSimulator.Received second = sim.takeRequest();
      assertThat(second.headers()).containsEntry("authorization", "Bearer new-key");
      assertThat(new String(second.body(), java.nio.charset.StandardCharsets.UTF_8))
          .contains("\"hi\"");
      // A key that is simply wrong: one re-read, one resend, then LM Studio's 401 reaches the
      // client.
      sim.requireApiKey("another-key");
      assertThat(models(gw, "Bearer client")).isEqualTo(401);
      assertThat(sim.takeRequest().headers()).containsEntry("authorization", "Bearer new-key");
      assertThat(sim.takeRequest().headers()).containsEntry("authorization", "Bearer new-key");
      assertThat(sim.pendingRequests()).isZero();
    }
  }

  @Test
  void aKeyThatCannotBeReadStopsTheStartWithTheReferenceNotAValue() {
    assertThatThrownBy(() -> gateway("${secret:env:LMSTUDIO_API_KEY}", Map.of()))
        .isInstanceOf(IOException.class)
        .hasMessage(
            "upstream.api-key: env:LMSTUDIO_API_KEY (expected: a readable secret (environment"
                + " variable LMSTUDIO_API_KEY is not set))");
  }

  @Test
  void anEnvironmentVariableKeyIsUsedAsIs() throws Exception {
    try (Gateway gw =
        gateway("${secret:env:LMSTUDIO_API_KEY}", Map.of("LMSTUDIO_API_KEY", "from-env"))) {
      assertThat(models(gw, "Bearer client-token")).isEqualTo(200);
      assertThat(sim.takeRequest().headers()).containsEntry("authorization", "Bearer from-env");
    }
  }
}
