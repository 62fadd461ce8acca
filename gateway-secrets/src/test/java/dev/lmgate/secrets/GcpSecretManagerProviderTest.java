package dev.lmgate.secrets;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.google.api.gax.core.NoCredentialsProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real Secret Manager client on its REST transport against WireMock speaking the v1 REST API
 * ({@code versions/*:access}); Google's identity service is the far edge (no credentials).
 */
class GcpSecretManagerProviderTest {
  static final String PATH = "/v1/projects/lmgate-prod/secrets/lmstudio/versions/latest:access";

  WireMockServer gcp;
  GcpSecretManagerProvider provider;

  @BeforeEach
  void start() {
    gcp = new WireMockServer(wireMockConfig().bindAddress("127.0.0.1").dynamicPort());
    gcp.start();
    provider =
        new GcpSecretManagerProvider(
            new GcpSecretManagerProvider.Settings("http://127.0.0.1:" + gcp.port()),
            NoCredentialsProvider.create());
  }

  @AfterEach
  void stop() {
    provider.close();
    gcp.stop();
  }

  static String version(int n, String value, boolean rightCrc) {
    byte[] data = value.getBytes(StandardCharsets.UTF_8);
    CRC32C crc = new CRC32C();
    crc.update(data);
    long c = rightCrc ? crc.getValue() : crc.getValue() ^ 1;
    return "{\"name\":\"projects/123456/secrets/lmstudio/versions/"
        + n
        + "\",\"payload\":{\"data\":\""
        + Base64.getEncoder().encodeToString(data)
        + "\",\"dataCrc32c\":\""
        + c
        + "\"}}";
  }

  void serve(String path, int status, String body) {
    gcp.stubFor(
        get(urlPathEqualTo(path))
            .willReturn(
                aResponse()
                    .withStatus(status)
                    .withHeader("Content-Type", "application/json")
                    .withBody(body)));
  }

  @Test
  void readsTheLatestVersionAndFollowsARotation() throws Exception {
    gcp.stubFor(
        get(urlPathEqualTo(PATH))
            .inScenario("rotation")
            .whenScenarioStateIs(Scenario.STARTED)
            .willReturn(aResponse().withBody(version(1, "sk-gcp-1", true)))
            .willSetStateTo("rotated"));
    gcp.stubFor(
        get(urlPathEqualTo(PATH))
            .inScenario("rotation")
            .whenScenarioStateIs("rotated")
            .willReturn(aResponse().withBody(version(2, "sk-gcp-2", true))));
    SecretRef ref = SecretRef.parse("gcp-sm:projects/lmgate-prod/secrets/lmstudio");
    RefreshingSecret s = new RefreshingSecret(ref, provider, provider.fetch(ref));
    assertThat(s.get().reveal()).isEqualTo("sk-gcp-1");
    assertThat(s.refresh()).isTrue();
    assertThat(s.get().reveal()).isEqualTo("sk-gcp-2");
  }

  @Test
  void aPinnedVersionAndAJsonFieldAreRead() throws Exception {
    serve(
        "/v1/projects/lmgate-prod/secrets/creds/versions/3:access",
        200,
        version(3, "{\"apiKey\":\"from-json\"}", true));
    assertThat(
            provider
                .fetch(
                    SecretRef.parse("gcp-sm:projects/lmgate-prod/secrets/creds/versions/3#apiKey"))
                .reveal())
        .isEqualTo("from-json");
  }

  @Test
  void aCorruptedPayloadIsRefused() {
    serve(PATH, 200, version(1, "sk-gcp-1", false));
    assertThatThrownBy(
            () -> provider.fetch(SecretRef.parse("gcp-sm:projects/lmgate-prod/secrets/lmstudio")))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("fails its CRC32C check")
        .hasMessageNotContaining("sk-gcp-1");
  }

  @Test
  void missingDeniedAndMalformedReferencesAreClearErrors() {
    serve(
        "/v1/projects/lmgate-prod/secrets/gone/versions/latest:access",
        404,
        "{\"error\":{\"code\":404,\"message\":\"Secret [projects/1/secrets/gone] not found or has"
            + " no versions.\",\"status\":\"NOT_FOUND\"}}");
    serve(
        "/v1/projects/lmgate-prod/secrets/forbidden/versions/latest:access",
        403,
        "{\"error\":{\"code\":403,\"message\":\"Permission 'secretmanager.versions.access'"
            + " denied\",\"status\":\"PERMISSION_DENIED\"}}");
    assertThatThrownBy(
            () -> provider.fetch(SecretRef.parse("gcp-sm:projects/lmgate-prod/secrets/gone")))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith("gcp-sm: no secret version");
    assertThatThrownBy(
            () -> provider.fetch(SecretRef.parse("gcp-sm:projects/lmgate-prod/secrets/forbidden")))
        .isInstanceOf(IOException.class)
        .hasMessageEndingWith("is denied");
    assertThatThrownBy(() -> provider.fetch(SecretRef.parse("gcp-sm:lmstudio")))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("write projects/P/secrets/S");
  }
}
