package dev.lmgate.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.lmgate.app.Gateway;
import dev.lmgate.app.config.ConfigLoader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The listener over TLS: 1.3 and 1.2 accepted, 1.1 refused, a rotated certificate used for new
 * connections while an open stream finishes on the old one. Certificates are made at test time.
 */
class ServerTlsTest {
  @TempDir Path tmp;

  /** A gateway per test: the tests rotate its certificate. */
  @RegisterExtension
  final GatewayExtension gw =
      GatewayExtension.config(
              """
              server:
                port: 0
                access-log: false
                tls: {certificate: "{tls.certificate}", key: "{tls.key}", reload-check: 1h}
              admin: {enabled: false}
              upstream: {url: "{simulator}"}
              """)
          .tls();

  /** A self-signed P-256 certificate for 127.0.0.1 whose subject names {@code tag}. */
  static void makeCertificate(String tag, Path cert, Path key) throws Exception {
    Path c = cert.resolveSibling(tag + ".cert.tmp");
    Path k = key.resolveSibling(tag + ".key.tmp");
    run(
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        k.toString(),
        "-out",
        c.toString(),
        "-days",
        "1",
        "-subj",
        "/CN=" + tag,
        "-addext",
        "subjectAltName=IP:127.0.0.1");
    Files.move(k, key, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    Files.move(c, cert, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  static String run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return p.exitValue() + "\n" + out;
  }

  SSLContext trusting(Path certPem) throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(
        null,
        new javax.net.ssl.TrustManager[] {dev.lmgate.core.tls.UpstreamTls.trusting(certPem)},
        null);
    return ctx;
  }

  static HttpResponse<String> get(Gateway g, SSLContext ctx, String protocol, String path)
      throws Exception {
    SSLParameters params = new SSLParameters();
    params.setProtocols(new String[] {protocol});
    HttpClient c =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .sslContext(ctx)
            .sslParameters(params)
            .build();
    return c.send(
        HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + g.address().getPort() + path))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static String subjectSeenBy(Gateway g, SSLContext ctx) throws Exception {
    try (SSLSocket s =
        (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", g.address().getPort())) {
      s.startHandshake();
      Certificate[] chain = s.getSession().getPeerCertificates();
      return ((X509Certificate) chain[0]).getSubjectX500Principal().getName();
    }
  }

  @Test
  void tls13And12AreAcceptedAndOlderProtocolsAndPlaintextAreNot() throws Exception {
    SSLContext ctx = trusting(gw.tlsCertificate());
    assertThat(get(gw.gateway(), ctx, "TLSv1.3", "/v1/models").statusCode()).isEqualTo(200);
    assertThat(get(gw.gateway(), ctx, "TLSv1.2", "/v1/models").statusCode()).isEqualTo(200);
    String port = "127.0.0.1:" + gw.port();
    // openssl as the old client, its own minimum lowered so that only the server can say no.
    String tls11 =
        run("openssl", "s_client", "-connect", port, "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0");
    assertThat(tls11).doesNotStartWith("0\n").containsIgnoringCase("alert protocol version");
    String tls12 = run("openssl", "s_client", "-connect", port, "-tls1_2");
    assertThat(tls12).startsWith("0\n").contains("Protocol  : TLSv1.2");
    // TLS 1.2 without forward secrecy or AEAD (static RSA, CBC) is refused; ECDHE + GCM is not.
    String cbc =
        run(
            "openssl",
            "s_client",
            "-connect",
            port,
            "-tls1_2",
            "-cipher",
            "ECDHE-ECDSA-AES128-SHA");
    assertThat(cbc).doesNotStartWith("0\n").containsIgnoringCase("handshake failure");
    String gcm =
        run(
            "openssl",
            "s_client",
            "-connect",
            port,
            "-tls1_2",
            "-cipher",
            "ECDHE-ECDSA-AES128-GCM-SHA256");
    assertThat(gcm).startsWith("0\n").contains("ECDHE-ECDSA-AES128-GCM-SHA256");
    // A plaintext request on the TLS port: the connection is closed without an HTTP answer (at
    // most a TLS alert record), and the port goes on serving TLS clients.
    byte[] answer = new byte[0];
    boolean reset = false;
    try (java.net.Socket plain = new java.net.Socket("127.0.0.1", gw.port())) {
      plain.setSoTimeout(10_000); // a guard against a hang, not a measured time
      plain
          .getOutputStream()
          .write(
              "GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                  .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      plain.getOutputStream().flush();
      try {
        answer = plain.getInputStream().readAllBytes(); // until the server closes
      } catch (java.net.SocketTimeoutException e) {
        fail("the server kept a plaintext connection open on its TLS port");
      } catch (java.net.SocketException e) {
        reset = true; // closed with a reset: closed all the same, and nothing was answered
      }
    }
    String text = new String(answer, java.nio.charset.StandardCharsets.ISO_8859_1);
    assertThat(text).as("no HTTP answer in plaintext (reset: %s)", reset).doesNotContain("HTTP/");
    if (answer.length > 0) {
      assertThat(answer[0]).as("only a TLS alert record").isEqualTo((byte) 0x15);
    }
    assertThat(get(gw.gateway(), ctx, "TLSv1.3", "/v1/models").statusCode()).isEqualTo(200);
  }

  @Test
  void aRotatedCertificateServesNewConnectionsWhileAnOpenStreamFinishes() throws Exception {
    SSLContext first = trusting(gw.tlsCertificate());
    gw.simulator().pauseBetweenPieces(100); // a stream that stays open across the rotation
    HttpClient c =
        HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(first).build();
    var open =
        c.sendAsync(
            HttpRequest.newBuilder(gw.url("/v1/chat/completions"))
                .timeout(Duration.ofSeconds(30))
                .header("content-type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"qwen/qwen3-4b-2507\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    Thread.sleep(200); // the stream is under way (its pieces are 100 ms apart)
    assertThat(subjectSeenBy(gw.gateway(), first)).isEqualTo("CN=127.0.0.1");

    makeCertificate("second", gw.tlsCertificate(), gw.tlsKey());
    Files.setLastModifiedTime(
        gw.tlsCertificate(),
        java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
    assertThat(gw.gateway().tls().reloadIfChanged()).isTrue();
    SSLContext second = trusting(gw.tlsCertificate());
    assertThat(subjectSeenBy(gw.gateway(), second)).isEqualTo("CN=second");

    HttpResponse<String> streamed = open.get(30, TimeUnit.SECONDS);
    assertThat(streamed.statusCode()).isEqualTo(200);
    assertThat(streamed.body()).contains("data: [DONE]");
    // A broken pair (key of another certificate) is refused; the current one stays.
    makeCertificate("third", gw.dir().resolve("other.pem"), gw.tlsKey());
    Files.setLastModifiedTime(
        gw.tlsKey(),
        java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 10000));
    assertThat(gw.gateway().tls().reloadIfChanged()).isFalse();
    assertThat(subjectSeenBy(gw.gateway(), second)).isEqualTo("CN=second");
  }

  @Test
  void certificateAndKeyFromSecretReferencesRotateWithTheSecret() throws Exception {
    Path cert = tmp.resolve("mounted-cert.pem");
    Path key = tmp.resolve("mounted-key.pem");
    makeCertificate("from-secret", cert, key);
    ConfigLoader loader = new ConfigLoader(k -> null);
    String yaml =
        "server:\n  port: 0\n  access-log: false\n  tls:\n    certificate: ${secret:file:"
            + cert
            + "}\n    key: ${secret:file:"
            + key
            + "}\n    reload-check: 1h\nadmin:\n  enabled: false\nupstream:\n  url: "
            + gw.simulator().baseUrl()
            + "\n";
    try (Gateway g = new Gateway(loader.parse(yaml), null, loader, x -> {}).start()) {
      assertThat(subjectSeenBy(g, trusting(cert))).isEqualTo("CN=from-secret");
      assertThat(get(g, trusting(cert), "TLSv1.3", "/v1/models").statusCode()).isEqualTo(200);
      makeCertificate("rotated-secret", cert, key);
      assertThat(g.tls().reloadIfChanged()).as("not before the secrets are re-read").isFalse();
      g.secrets().refreshAll();
      assertThat(g.tls().reloadIfChanged()).isTrue();
      assertThat(subjectSeenBy(g, trusting(cert))).isEqualTo("CN=rotated-secret");
    }
  }
}
