package dev.lmgate.secrets;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Vault KV v2 and AppRole, against WireMock speaking Vault's HTTP API. */
class VaultProviderTest {
  @TempDir Path tmp;
  WireMockServer vault;

  @BeforeEach
  void start() {
    vault = new WireMockServer(wireMockConfig().bindAddress("127.0.0.1").dynamicPort());
    vault.start();
  }

  @AfterEach
  void stop() {
    vault.stop();
  }

  URI address() {
    return URI.create("http://127.0.0.1:" + vault.port());
  }

  static String kv(String json, int version) {
    return "{\"data\":{\"data\":" + json + ",\"metadata\":{\"version\":" + version + "}}}";
  }

  @Test
  void aTokenReadsTheLatestVersionAndNamedKey() throws Exception {
    vault.stubFor(
        get(urlEqualTo("/v1/kv/data/lmstudio"))
            .withHeader("X-Vault-Token", equalTo("hvs.test-token"))
            .willReturn(
                aResponse()
                    .withStatus(200)
                    .withBody(kv("{\"apiKey\":\"from-vault\",\"user\":\"x\"}", 3))));
    VaultProvider p =
        new VaultProvider(
            new VaultProvider.Settings(address(), null, () -> "hvs.test-token", null, null));
    assertThat(p.fetch(SecretRef.parse("vault:kv/lmstudio#apiKey")).reveal())
        .isEqualTo("from-vault");
    assertThatThrownBy(() -> p.fetch(SecretRef.parse("vault:kv/lmstudio")))
        .hasMessage("vault: kv/lmstudio has 2 keys; name one after #");
    assertThatThrownBy(() -> p.fetch(SecretRef.parse("vault:kv/missing#k")))
        .isInstanceOf(IOException.class)
        .hasMessage("vault: no secret at kv/missing");
    assertThat(p.toString()).doesNotContain("hvs.test-token");
  }

  @Test
  void previousVersionsAreTheLiveOlderKvVersionsNewestFirst() throws Exception {
    vault.stubFor(
        get(urlEqualTo("/v1/kv/metadata/audit"))
            .willReturn(
                aResponse()
                    .withBody(
                        "{\"data\":{\"current_version\":4,\"versions\":{"
                            + "\"1\":{\"deletion_time\":\"\",\"destroyed\":true},"
                            + "\"2\":{\"deletion_time\":\"\",\"destroyed\":false},"
                            + "\"3\":{\"deletion_time\":\"2026-11-01T00:00:00Z\",\"destroyed\":false},"
                            + "\"4\":{\"deletion_time\":\"\",\"destroyed\":false}}}}")));
    vault.stubFor(
        get(urlEqualTo("/v1/kv/data/audit?version=2"))
            .willReturn(aResponse().withBody(kv("{\"key\":\"master-2\"}", 2))));
    VaultProvider p =
        new VaultProvider(
            new VaultProvider.Settings(address(), null, () -> "hvs.test-token", null, null));
    assertThat(p.previous(SecretRef.parse("vault:kv/audit#key")))
        .extracting(dev.lmgate.spi.Secret::reveal)
        .containsExactly("master-2");
  }

  @Test
  void aRenewableTokenIsRenewedAfterTwoThirdsOfItsTtl() throws Exception {
    vault.stubFor(
        get(urlEqualTo("/v1/auth/token/lookup-self"))
            .willReturn(aResponse().withBody("{\"data\":{\"ttl\":30,\"renewable\":true}}")));
    vault.stubFor(
        post(urlEqualTo("/v1/auth/token/renew-self"))
            .withHeader("X-Vault-Token", equalTo("hvs.renewable"))
            .willReturn(
                aResponse().withBody("{\"auth\":{\"lease_duration\":30,\"renewable\":true}}")));
    vault.stubFor(
        get(urlEqualTo("/v1/kv/data/lm")).willReturn(aResponse().withBody(kv("{\"k\":\"v\"}", 1))));
    java.time.Instant[] now = {java.time.Instant.parse("2026-11-25T10:00:00Z")};
    java.time.Clock clock =
        new java.time.Clock() {
          public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
          }

          public java.time.Clock withZone(java.time.ZoneId z) {
            return this;
          }

          public java.time.Instant instant() {
            return now[0];
          }
        };
    VaultProvider p =
        new VaultProvider(
            new VaultProvider.Settings(address(), null, () -> "hvs.renewable", null, null), clock);
    SecretRef ref = SecretRef.parse("vault:kv/lm#k");
    p.fetch(ref);
    now[0] = now[0].plusSeconds(10); // a third of the TTL: nothing to do
    p.fetch(ref);
    vault.verify(0, postRequestedFor(urlEqualTo("/v1/auth/token/renew-self")));
    now[0] = now[0].plusSeconds(15); // past two thirds
    p.fetch(ref);
    vault.verify(1, postRequestedFor(urlEqualTo("/v1/auth/token/renew-self")));
    p.fetch(ref); // renewed: the next renewal is 20 s away
    vault.verify(1, postRequestedFor(urlEqualTo("/v1/auth/token/renew-self")));
  }

  @Test
  void appRoleLogsInAndLogsInAgainWhenTheTokenExpires() throws Exception {
    Path secretId = tmp.resolve("secret-id");
    Files.writeString(secretId, "sid-123\n");
    vault.stubFor(
        post(urlEqualTo("/v1/auth/approle/login"))
            .withRequestBody(equalToJson("{\"role_id\":\"rid\",\"secret_id\":\"sid-123\"}"))
            .inScenario("tokens")
            .whenScenarioStateIs(Scenario.STARTED)
            .willReturn(
                aResponse()
                    .withBody("{\"auth\":{\"client_token\":\"tok-1\",\"lease_duration\":60}}"))
            .willSetStateTo("first"));
    vault.stubFor(
        post(urlEqualTo("/v1/auth/approle/login"))
            .inScenario("tokens")
            .whenScenarioStateIs("first")
            .willReturn(
                aResponse()
                    .withBody("{\"auth\":{\"client_token\":\"tok-2\",\"lease_duration\":60}}"))
            .willSetStateTo("second"));
    vault.stubFor(
        get(urlEqualTo("/v1/kv/data/lm"))
            .withHeader("X-Vault-Token", equalTo("tok-1"))
            .inScenario("tokens")
            .whenScenarioStateIs("first")
            .willReturn(aResponse().withBody(kv("{\"k\":\"v1\"}", 1))));
    vault.stubFor(
        get(urlEqualTo("/v1/kv/data/lm"))
            .withHeader("X-Vault-Token", equalTo("tok-1"))
            .inScenario("tokens")
            .whenScenarioStateIs("expired")
            .willReturn(
                aResponse().withStatus(403).withBody("{\"errors\":[\"permission denied\"]}")));
    vault.stubFor(
        get(urlEqualTo("/v1/kv/data/lm"))
            .withHeader("X-Vault-Token", equalTo("tok-2"))
            .willReturn(aResponse().withBody(kv("{\"k\":\"v2\"}", 2))));
    VaultProvider p =
        new VaultProvider(new VaultProvider.Settings(address(), null, null, "rid", secretId));
    assertThat(p.fetch(SecretRef.parse("vault:kv/lm#k")).reveal()).isEqualTo("v1");
    vault.setScenarioState("tokens", "expired");
    // tok-1 is refused now; the provider logs in again (the login stub for "expired" is the second)
    vault.stubFor(
        post(urlEqualTo("/v1/auth/approle/login"))
            .inScenario("tokens")
            .whenScenarioStateIs("expired")
            .willReturn(
                aResponse()
                    .withBody("{\"auth\":{\"client_token\":\"tok-2\",\"lease_duration\":60}}")));
    assertThat(p.fetch(SecretRef.parse("vault:kv/lm#k")).reveal()).isEqualTo("v2");
    vault.verify(2, postRequestedFor(urlEqualTo("/v1/auth/approle/login")));
  }
}
