package dev.lmgate.secrets;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import java.io.IOException;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

/**
 * The real Key Vault {@code SecretClient} (on the JDK HTTP client) against WireMock speaking Key
 * Vault's REST API over TLS, including its bearer-challenge handshake. Entra ID is the far edge:
 * the token comes from a stand-in credential.
 */
class AzureKeyVaultProviderTest {
  static final String CHALLENGE =
      "Bearer authorization=\"https://login.microsoftonline.com/00000000-0000-0000-0000-000000000001\","
          + " resource=\"https://vault.azure.net\"";

  @TempDir static Path tmp;
  static EmulatorTls.Server tls;
  WireMockServer vault;
  AzureKeyVaultProvider provider;
  final AtomicInteger tokensIssued = new AtomicInteger();

  @BeforeAll
  static void certificate() throws Exception {
    tls = EmulatorTls.server(tmp);
  }

  @BeforeEach
  void start() {
    vault =
        new WireMockServer(
            wireMockConfig()
                .bindAddress("127.0.0.1")
                .httpDisabled(true)
                .dynamicHttpsPort()
                .keystoreType("PKCS12")
                .keystorePath(tls.keyStore().toString())
                .keystorePassword(tls.password())
                .keyManagerPassword(tls.password()));
    vault.start();
    // Key Vault first answers an unauthenticated request with a challenge naming the resource
    vault.stubFor(
        get(urlPathMatching("/secrets/.*"))
            .atPriority(1)
            .withHeader("Authorization", absent())
            .willReturn(aResponse().withStatus(401).withHeader("WWW-Authenticate", CHALLENGE)));
    TokenCredential credential =
        request -> {
          tokensIssued.incrementAndGet();
          assertThat(request.getScopes()).containsExactly("https://vault.azure.net/.default");
          return Mono.just(new AccessToken("entra-token", OffsetDateTime.now().plusHours(1)));
        };
    provider =
        new AzureKeyVaultProvider(
            new AzureKeyVaultProvider.Settings("https://127.0.0.1:" + vault.httpsPort(), null),
            new JdkHttpClientBuilder(
                    java.net.http.HttpClient.newBuilder().sslContext(tls.clientContext()))
                .build(),
            credential);
  }

  @AfterEach
  void stop() {
    vault.stop();
  }

  static String secret(String name, String version, String value) {
    return "{\"value\":"
        + com.fasterxml.jackson.databind.node.TextNode.valueOf(value)
        + ",\"id\":\"https://kv-lmgate.vault.azure.net/secrets/"
        + name
        + "/"
        + version
        + "\",\"attributes\":{\"enabled\":true,\"created\":1764000000,\"updated\":1764000000,"
        + "\"recoveryLevel\":\"Recoverable+Purgeable\"}}";
  }

  void serve(String path, int status, String body) {
    vault.stubFor(
        get(urlPathMatching(path))
            .atPriority(2)
            .withHeader("Authorization", equalTo("Bearer entra-token"))
            .willReturn(
                aResponse()
                    .withStatus(status)
                    .withHeader("Content-Type", "application/json")
                    .withBody(body)));
  }

  @Test
  void readsTheNewestVersionAfterTheChallengeAndPicksAJsonField() throws Exception {
    serve("/secrets/lmstudio/?", 200, secret("lmstudio", "v1", "sk-azure-1"));
    assertThat(provider.fetch(SecretRef.parse("azure-kv:kv-lmgate/lmstudio")).reveal())
        .isEqualTo("sk-azure-1");
    serve("/secrets/creds/?", 200, secret("creds", "v9", "{\"apiKey\":\"from-json\"}"));
    assertThat(provider.fetch(SecretRef.parse("azure-kv:kv-lmgate/creds#apiKey")).reveal())
        .isEqualTo("from-json");
    vault.verify(
        getRequestedFor(urlPathMatching("/secrets/lmstudio/?"))
            .withQueryParam(
                "api-version", com.github.tomakehurst.wiremock.client.WireMock.matching(".+")));
    assertThat(tokensIssued.get()).isGreaterThanOrEqualTo(1);
  }

  @Test
  void aNewVersionIsPickedUpOnTheNextRead() throws Exception {
    vault.stubFor(
        get(urlPathMatching("/secrets/lmstudio/?"))
            .atPriority(2)
            .inScenario("rotation")
            .whenScenarioStateIs(Scenario.STARTED)
            .withHeader("Authorization", equalTo("Bearer entra-token"))
            .willReturn(aResponse().withBody(secret("lmstudio", "v1", "before")))
            .willSetStateTo("rotated"));
    vault.stubFor(
        get(urlPathMatching("/secrets/lmstudio/?"))
            .atPriority(2)
            .inScenario("rotation")
            .whenScenarioStateIs("rotated")
            .withHeader("Authorization", equalTo("Bearer entra-token"))
            .willReturn(aResponse().withBody(secret("lmstudio", "v2", "after"))));
    SecretRef ref = SecretRef.parse("azure-kv:kv-lmgate/lmstudio");
    RefreshingSecret s = new RefreshingSecret(ref, provider, provider.fetch(ref));
    assertThat(s.get().reveal()).isEqualTo("before");
    assertThat(s.refresh()).isTrue();
    assertThat(s.get().reveal()).isEqualTo("after");
  }

  @Test
  void aPinnedVersionIsAskedForByName() throws Exception {
    serve("/secrets/lmstudio/v7", 200, secret("lmstudio", "v7", "pinned"));
    assertThat(provider.fetch(SecretRef.parse("azure-kv:kv-lmgate/lmstudio/v7")).reveal())
        .isEqualTo("pinned");
  }

  @Test
  void missingDeniedAndMalformedReferencesAreClearErrorsWithoutTheValue() {
    serve(
        "/secrets/gone/?",
        404,
        "{\"error\":{\"code\":\"SecretNotFound\",\"message\":\"A secret with (name/id) gone was"
            + " not found in this key vault.\"}}");
    serve(
        "/secrets/forbidden/?",
        403,
        "{\"error\":{\"code\":\"Forbidden\",\"message\":\"Caller is not authorized\"}}");
    assertThatThrownBy(() -> provider.fetch(SecretRef.parse("azure-kv:kv-lmgate/gone")))
        .isInstanceOf(IOException.class)
        .hasMessage("azure-kv: no secret gone in vault kv-lmgate");
    assertThatThrownBy(() -> provider.fetch(SecretRef.parse("azure-kv:kv-lmgate/forbidden")))
        .isInstanceOf(IOException.class)
        .hasMessage("azure-kv: access to forbidden in vault kv-lmgate is denied");
    assertThatThrownBy(() -> provider.fetch(SecretRef.parse("azure-kv:just-a-name")))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("write VAULT/SECRET");
  }

  @Test
  void aPlainHttpVaultUrlIsRefused() {
    assertThatThrownBy(() -> new AzureKeyVaultProvider.Settings("http://127.0.0.1:1", null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be https");
  }
}
