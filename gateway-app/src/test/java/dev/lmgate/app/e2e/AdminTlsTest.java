package dev.lmgate.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lmgate.app.Gateway;
import dev.lmgate.app.config.ConfigLoader;
import dev.lmgate.simulator.Fixtures;
import dev.lmgate.simulator.LmStudioSimulator;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin port over TLS ({@code admin.tls}, the API port's settings) and {@code /metrics} behind
 * its own token ({@code admin.metrics-auth: token}), with a certificate made at test time.
 */
class AdminTlsTest {
  static final String METRICS_TOKEN = "metrics-" + System.nanoTime();
  static final String ADMIN_TOKEN = "admin-" + System.nanoTime();
  @TempDir Path tmp;
  LmStudioSimulator sim;
  Gateway gw;

  String config(String adminExtra) {
    return """
        server: {port: 0, access-log: false}
        admin:
          port: 0
          token: "${secret:env:ADMIN_TOKEN}"
        %s
        upstream: {url: "%s"}
        filters: [{id: kill-switch}]
        """
        .formatted(adminExtra, sim.baseUrl());
  }

  Gateway start(String yaml) throws Exception {
    Path file = tmp.resolve("gateway.yaml");
    Files.writeString(file, yaml);
    ConfigLoader loader =
        new ConfigLoader(Map.of("ADMIN_TOKEN", ADMIN_TOKEN, "METRICS_TOKEN", METRICS_TOKEN)::get);
    return new Gateway(loader.load(file), file, loader, s -> {}).start();
  }

  @BeforeEach
  void setUp() throws Exception {
    sim = new LmStudioSimulator(Fixtures.locate());
    sim.start(0);
    makeCertificate(tmp.resolve("cert.pem"), tmp.resolve("key.pem"));
  }

  @AfterEach
  void tearDown() {
    if (gw != null) {
      gw.close();
    }
    sim.close();
  }

  static void makeCertificate(Path cert, Path key) throws Exception {
    Process p =
        new ProcessBuilder(
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                key.toString(),
                "-out",
                cert.toString(),
                "-days",
                "1",
                "-subj",
                "/CN=lmgate-admin",
                "-addext",
                "subjectAltName=IP:127.0.0.1")
            .redirectErrorStream(true)
            .start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
  }

  HttpClient https() throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(
        null,
        new javax.net.ssl.TrustManager[] {
          dev.lmgate.core.tls.UpstreamTls.trusting(tmp.resolve("cert.pem"))
        },
        null);
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(ctx).build();
  }

  HttpResponse<String> get(HttpClient c, String scheme, String path, String bearer)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(
                URI.create(scheme + "://127.0.0.1:" + gw.adminAddress().getPort() + path))
            .timeout(Duration.ofSeconds(30));
    if (bearer != null) {
      b.header("authorization", "Bearer " + bearer);
    }
    return c.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** What the admin port writes back to a plaintext HTTP request, up to its first 64 bytes. */
  String plaintextAnswer() throws Exception {
    try (Socket s = new Socket("127.0.0.1", gw.adminAddress().getPort())) {
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
    gw =
        start(
            config(
                "  tls: {certificate: \"%s\", key: \"%s\"}"
                    .formatted(tmp.resolve("cert.pem"), tmp.resolve("key.pem"))));
    HttpClient c = https();
    assertThat(get(c, "https", "/healthz", null).statusCode()).isEqualTo(200);
    assertThat(get(c, "https", "/readyz", null).statusCode()).isEqualTo(200);
    assertThat(get(c, "https", "/keys", ADMIN_TOKEN).statusCode()).isEqualTo(409);
    assertThat(gw.adminTls()).isNotNull();
    assertThat(plaintextAnswer()).as("no HTTP over plaintext").doesNotContain("HTTP/1.1");
  }

  @Test
  void theCliProbesAndOperatesATlsAdminPortTrustingTheGivenCa() throws Exception {
    gw =
        start(
            config(
                "  tls: {certificate: \"%s\", key: \"%s\"}"
                    .formatted(tmp.resolve("cert.pem"), tmp.resolve("key.pem"))));
    String base = "https://127.0.0.1:" + gw.adminAddress().getPort();
    String ca = tmp.resolve("cert.pem").toString();
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
    gw = start(config("  metrics-auth: token\n  metrics-token: \"${secret:env:METRICS_TOKEN}\""));
    HttpClient c = HttpClient.newHttpClient();
    HttpResponse<String> anonymous = get(c, "http", "/metrics", null);
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(anonymous.body()).startsWith("{\"error\":").contains("metrics token");
    assertThat(get(c, "http", "/metrics", ADMIN_TOKEN).statusCode()).isEqualTo(401);
    HttpResponse<String> scraped = get(c, "http", "/metrics", METRICS_TOKEN);
    assertThat(scraped.statusCode()).isEqualTo(200);
    assertThat(scraped.body()).contains("lmgate_");
    assertThat(get(c, "http", "/healthz", null).statusCode())
        .as("probes stay open for the orchestrator")
        .isEqualTo(200);
  }

  @Test
  void metricsAreOpenByDefault() throws Exception {
    gw = start(config(""));
    HttpResponse<String> scraped = get(HttpClient.newHttpClient(), "http", "/metrics", null);
    assertThat(scraped.statusCode()).isEqualTo(200);
    assertThat(scraped.body()).contains("lmgate_");
  }

  @Test
  void metricsAuthTokenWithoutAMetricsTokenIsAConfigError() throws Exception {
    Path file = tmp.resolve("bad.yaml");
    Files.writeString(file, config("  metrics-auth: token"));
    assertThatThrownBy(() -> new ConfigLoader(k -> null).load(file))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("admin.metrics-token");
    Files.writeString(file, config("  metrics-auth: sometimes"));
    assertThatThrownBy(() -> new ConfigLoader(k -> null).load(file))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("none or token");
  }
}
