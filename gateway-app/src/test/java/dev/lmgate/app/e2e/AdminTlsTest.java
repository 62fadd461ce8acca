package dev.lmgate.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lmgate.app.config.ConfigLoader;
import dev.lmgate.spi.ConfigException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin port over TLS ({@code admin.tls}, the API port's settings) and {@code /metrics} behind
 * its own token ({@code admin.metrics-auth: token}), with a certificate made at test time.
 */
class AdminTlsTest {
  static final String METRICS_TOKEN = "metrics-" + System.nanoTime();
  static final String ADMIN_TOKEN = "admin-" + System.nanoTime();
  static final Map<String, String> ENV =
      Map.of("ADMIN_TOKEN", ADMIN_TOKEN, "METRICS_TOKEN", METRICS_TOKEN);
  @TempDir Path tmp;

  static String config(String adminExtra) {
    return """
        server: {port: 0, access-log: false}
        admin:
          port: 0
          token: "${secret:env:ADMIN_TOKEN}"
        %s
        upstream: {url: "{simulator}"}
        filters: [{id: kill-switch}]
        """
        .formatted(adminExtra);
  }

  @RegisterExtension
  static final GatewayExtension tlsAdmin =
      GatewayExtension.config(
              config("  tls: {certificate: \"{tls.certificate}\", key: \"{tls.key}\"}"))
          .tls()
          .env(ENV);

  @RegisterExtension
  static final GatewayExtension metricsToken =
      GatewayExtension.config(
              config("  metrics-auth: token\n  metrics-token: \"${secret:env:METRICS_TOKEN}\""))
          .env(ENV);

  @RegisterExtension
  static final GatewayExtension metricsOpen = GatewayExtension.config(config("")).env(ENV);

  HttpClient https() throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(
        null,
        new javax.net.ssl.TrustManager[] {
          dev.lmgate.core.tls.UpstreamTls.trusting(tlsAdmin.tlsCertificate())
        },
        null);
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(ctx).build();
  }

  static HttpResponse<String> get(
      GatewayExtension gw, HttpClient c, String scheme, String path, String bearer)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(
                URI.create(scheme + "://127.0.0.1:" + gw.gateway().adminAddress().getPort() + path))
            .timeout(Duration.ofSeconds(30));
    if (bearer != null) {
      b.header("authorization", "Bearer " + bearer);
    }
    return c.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** What the admin port writes back to a plaintext HTTP request, up to its first 64 bytes. */
  String plaintextAnswer() throws Exception {
    try (Socket s = new Socket("127.0.0.1", tlsAdmin.gateway().adminAddress().getPort())) {
      s.setSoTimeout(30_000);
      OutputStream out = s.getOutputStream();
      out.write(
          "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[64];
      int n = in.readNBytes(buf, 0, buf.length);
      return new String(buf, 0, n, StandardCharsets.ISO_8859_1);
    } catch (java.net.SocketException e) {
      return ""; // reset by the server: no HTTP answer either
    }
  }

  @Test
  void theAdminPortSpeaksOnlyTlsWithTheConfiguredCertificate() throws Exception {
    HttpClient c = https();
    assertThat(get(tlsAdmin, c, "https", "/healthz", null).statusCode()).isEqualTo(200);
    assertThat(get(tlsAdmin, c, "https", "/readyz", null).statusCode()).isEqualTo(200);
    assertThat(get(tlsAdmin, c, "https", "/keys", ADMIN_TOKEN).statusCode()).isEqualTo(409);
    assertThat(tlsAdmin.gateway().adminTls()).isNotNull();
    assertThat(plaintextAnswer()).as("no HTTP over plaintext").doesNotContain("HTTP/1.1");
  }

  @Test
  void theCliProbesAndOperatesATlsAdminPortTrustingTheGivenCa() throws Exception {
    String base = "https://127.0.0.1:" + tlsAdmin.gateway().adminAddress().getPort();
    String ca = tlsAdmin.tlsCertificate().toString();
    assertThat(
            dev.lmgate.app.cli.KeysCommandTest.lmgate(
                    "health", "--url", base + "/readyz", "--ca-file", ca)
                .code())
        .isZero();
    assertThat(
            dev.lmgate.app.cli.KeysCommandTest.lmgate("health", "--url", base + "/healthz").code())
        .as("an untrusted certificate is not accepted")
        .isEqualTo(1);
    Path tokenFile = tmp.resolve("token");
    Files.writeString(tokenFile, ADMIN_TOKEN);
    dev.lmgate.app.cli.KeysCommandTest.Run status =
        dev.lmgate.app.cli.KeysCommandTest.lmgate(
            "incident",
            "status",
            "--admin",
            base,
            "--admin-ca",
            ca,
            "--token-file",
            tokenFile.toString());
    assertThat(status.code()).isZero();
    assertThat(status.out()).contains("lockdown: off");
  }

  @Test
  void withMetricsAuthTokenScrapersNeedTheMetricsTokenAndTheAdminTokenIsNotIt() throws Exception {
    HttpClient c = HttpClient.newHttpClient();
    HttpResponse<String> anonymous = get(metricsToken, c, "http", "/metrics", null);
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(anonymous.body()).startsWith("{\"error\":").contains("metrics token");
    assertThat(get(metricsToken, c, "http", "/metrics", ADMIN_TOKEN).statusCode()).isEqualTo(401);
    HttpResponse<String> scraped = get(metricsToken, c, "http", "/metrics", METRICS_TOKEN);
    assertThat(scraped.statusCode()).isEqualTo(200);
    assertThat(scraped.body()).contains("lmgate_");
    assertThat(get(metricsToken, c, "http", "/healthz", null).statusCode())
        .as("probes stay open for the orchestrator")
        .isEqualTo(200);
  }

  @Test
  void metricsAreOpenByDefault() throws Exception {
    HttpResponse<String> scraped =
        get(metricsOpen, HttpClient.newHttpClient(), "http", "/metrics", null);
    assertThat(scraped.statusCode()).isEqualTo(200);
    assertThat(scraped.body()).contains("lmgate_");
  }

  @Test
  void metricsAuthTokenWithoutAMetricsTokenIsAConfigError() throws Exception {
    String upstream = metricsOpen.simulator().baseUrl();
    Path file = tmp.resolve("bad.yaml");
    Files.writeString(file, config("  metrics-auth: token").replace("{simulator}", upstream));
    assertThatThrownBy(() -> new ConfigLoader(k -> null).load(file))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("admin.metrics-token");
    Files.writeString(file, config("  metrics-auth: sometimes").replace("{simulator}", upstream));
    assertThatThrownBy(() -> new ConfigLoader(k -> null).load(file))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("none or token");
  }
}
