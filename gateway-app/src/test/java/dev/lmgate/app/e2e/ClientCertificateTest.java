package dev.lmgate.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * mTLS: a client certificate issued by the configured CA and listed under {@code
 * client-certificates} authenticates its caller with the roles given there. Certificates are made
 * at test time: the gateway's by the extension, the client CA and the certificate it issues with
 * openssl.
 */
class ClientCertificateTest {
  static final String PASS = UUID.randomUUID().toString();

  static String config(String clientAuth) {
    return """
        server:
          port: 0
          access-log: false
          tls:
            certificate: "{tls.certificate}"
            key: "{tls.key}"
            client-auth: %s
            client-ca: "{dir}/ca.pem"
        admin: {enabled: false}
        upstream: {url: "{simulator}"}
        filters:
          - id: authenticate
            client-certificates:
              "CN=ci-bot, O=Acme":
                id: ci-bot
                roles: [developer]
          - id: authorize
            roles:
              developer:
                routes: ["*"]
                models: ["*"]
        """
        .formatted(clientAuth);
  }

  @RegisterExtension
  static final GatewayExtension optional =
      GatewayExtension.config(config("optional"))
          .tls()
          .beforeStart(ClientCertificateTest::clientCertificate);

  @RegisterExtension
  static final GatewayExtension required =
      GatewayExtension.config(config("require"))
          .tls()
          .beforeStart(ClientCertificateTest::clientCertificate);

  static String run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }

  /** A client CA ({@code ca.pem}) and a client certificate it issues ({@code client.p12}). */
  static void clientCertificate(Path dir) throws Exception {
    String ec = "ec_paramgen_curve:P-256";
    run(
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        ec,
        "-nodes",
        "-keyout",
        dir.resolve("ca.key").toString(),
        "-out",
        dir.resolve("ca.pem").toString(),
        "-days",
        "1",
        "-subj",
        "/CN=Test Client CA");
    run(
        "openssl",
        "req",
        "-new",
        "-newkey",
        "ec",
        "-pkeyopt",
        ec,
        "-nodes",
        "-keyout",
        dir.resolve("client.key").toString(),
        "-out",
        dir.resolve("client.csr").toString(),
        "-subj",
        "/O=Acme/CN=ci-bot");
    run(
        "openssl",
        "x509",
        "-req",
        "-in",
        dir.resolve("client.csr").toString(),
        "-CA",
        dir.resolve("ca.pem").toString(),
        "-CAkey",
        dir.resolve("ca.key").toString(),
        "-CAcreateserial",
        "-out",
        dir.resolve("client.pem").toString(),
        "-days",
        "1");
    run(
        "openssl",
        "pkcs12",
        "-export",
        "-inkey",
        dir.resolve("client.key").toString(),
        "-in",
        dir.resolve("client.pem").toString(),
        "-out",
        dir.resolve("client.p12").toString(),
        "-passout",
        "pass:" + PASS);
  }

  static SSLContext client(GatewayExtension gw, boolean withCertificate) throws Exception {
    KeyManagerFactory kmf = null;
    if (withCertificate) {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(gw.dir().resolve("client.p12"))) {
        ks.load(in, PASS.toCharArray());
      }
      kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, PASS.toCharArray());
    }
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(
        kmf == null ? null : kmf.getKeyManagers(),
        new javax.net.ssl.TrustManager[] {
          dev.lmgate.core.tls.UpstreamTls.trusting(gw.tlsCertificate())
        },
        null);
    return ctx;
  }

  static int models(GatewayExtension gw, SSLContext ctx) throws Exception {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .sslContext(ctx)
        .build()
        .send(
            HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + gw.port() + "/v1/models"))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }

  @Test
  void aMappedClientCertificateAuthenticatesAndNoCertificateIsA401() throws Exception {
    assertThat(models(optional, client(optional, true))).isEqualTo(200);
    assertThat(models(optional, client(optional, false))).isEqualTo(401);
  }

  @Test
  void withClientAuthRequiredAConnectionWithoutACertificateIsRefused() throws Exception {
    assertThat(models(required, client(required, true))).isEqualTo(200);
    // Refused in the TLS handshake (not, say, a timeout or a closed port): an SSL error.
    Throwable refused = catchThrowable(() -> models(required, client(required, false)));
    assertThat(refused).as("a connection without a certificate is refused").isNotNull();
    List<Throwable> chain = new ArrayList<>();
    for (Throwable t = refused; t != null; t = t.getCause()) {
      chain.add(t);
    }
    assertThat(chain)
        .as("%s", chain)
        .anySatisfy(t -> assertThat(t).isInstanceOf(javax.net.ssl.SSLException.class));
  }
}
