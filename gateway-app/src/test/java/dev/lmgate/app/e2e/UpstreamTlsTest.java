package dev.lmgate.app.e2e;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import dev.lmgate.app.Gateway;
import dev.lmgate.app.config.ConfigLoader;
import dev.lmgate.core.tls.UpstreamTls;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LM Studio behind a TLS reverse proxy (here WireMock over HTTPS with a certificate made at test
 * time): trusted through a CA file, refused without it, and held to a public-key pin.
 */
class UpstreamTlsTest {
  @TempDir Path tmp;
  WireMockServer lm;
  Path pem;

  @BeforeEach
  void start() throws Exception {
    dev.lmgate.testkit.TestCertificates.SelfSigned cert =
        dev.lmgate.testkit.TestCertificates.selfSigned(tmp, "lm");
    pem = cert.certificatePem();
    Path ks = cert.keyStore();
    String pass = cert.password();
    lm =
        new WireMockServer(
            WireMockConfiguration.wireMockConfig()
                .bindAddress("127.0.0.1")
                .httpDisabled(true)
                .dynamicHttpsPort()
                .keystorePath(ks.toString())
                .keystoreType("PKCS12")
                .keystorePassword(pass)
                .keyManagerPassword(pass));
    lm.start();
    lm.stubFor(
        get("/v1/models")
            .willReturn(
                aResponse()
                    .withHeader("Content-Type", "application/json")
                    .withBody("{\"object\":\"list\",\"data\":[]}")));
  }

  @AfterEach
  void stop() {
    lm.stop();
  }

  int models(String tlsBlock) throws Exception {
    ConfigLoader loader = new ConfigLoader(k -> null);
    String yaml =
        "server:\n  port: 0\n  access-log: false\nadmin:\n  enabled: false\nupstream:\n  url: https://127.0.0.1:"
            + lm.httpsPort()
            + "\n"
            + tlsBlock;
    try (Gateway gw = new Gateway(loader.parse(yaml), null, loader, s -> {}).start()) {
      return HttpClient.newHttpClient()
          .send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + gw.address().getPort() + "/v1/models"))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString())
          .statusCode();
    }
  }

  String pin() throws Exception {
    try (InputStream in = Files.newInputStream(pem)) {
      return UpstreamTls.pinOf(
          (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
  }

  @Test
  void aCaFileIsTrustedTheJvmsCasAloneAreNotAndAPinMustMatch() throws Exception {
    assertThat(models("  tls:\n    ca-file: " + pem + "\n")).isEqualTo(200);
    assertThat(models("")).isEqualTo(502); // a self-signed proxy is not trusted by default
    assertThat(models("  tls:\n    ca-file: " + pem + "\n    pin-sha256: [\"" + pin() + "\"]\n"))
        .isEqualTo(200);
    String otherPin = java.util.Base64.getEncoder().encodeToString(new byte[32]);
    assertThat(models("  tls:\n    ca-file: " + pem + "\n    pin-sha256: [\"" + otherPin + "\"]\n"))
        .isEqualTo(502);
  }
}
