package dev.lmgate.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.lmgate.app.Gateway;
import dev.lmgate.app.config.ConfigLoader;
import dev.lmgate.simulator.Fixtures;
import dev.lmgate.simulator.LmStudioSimulator;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * mTLS: a client certificate issued by the configured CA and listed under {@code
 * client-certificates} authenticates its caller with the roles given there. Certificates are made
 * at test time with openssl.
 */
class ClientCertificateTest {
  @TempDir Path tmp;
  LmStudioSimulator sim;
  String pass = UUID.randomUUID().toString();

  static String run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }

  Path f(String name) {
    return tmp.resolve(name);
  }

  @BeforeEach
  void certificates() throws Exception {
    sim = new LmStudioSimulator(Fixtures.locate());
    sim.start(0);
    String ec = "ec_paramgen_curve:P-256";
    // the gateway's own certificate
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
        f("gw.key").toString(),
        "-out",
        f("gw.pem").toString(),
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1");
    // a client CA, and a client certificate it issues
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
        f("ca.key").toString(),
        "-out",
        f("ca.pem").toString(),
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
        f("client.key").toString(),
        "-out",
        f("client.csr").toString(),
        "-subj",
        "/O=Acme/CN=ci-bot");
    run(
        "openssl",
        "x509",
        "-req",
        "-in",
        f("client.csr").toString(),
        "-CA",
        f("ca.pem").toString(),
        "-CAkey",
        f("ca.key").toString(),
        "-CAcreateserial",
        "-out",
        f("client.pem").toString(),
        "-days",
        "1");
    run(
        "openssl",
        "pkcs12",
        "-export",
        "-inkey",
        f("client.key").toString(),
        "-in",
        f("client.pem").toString(),
        "-out",
        f("client.p12").toString(),
        "-passout",
        "pass:" + pass);
  }

  @AfterEach
  void stop() {
    sim.close();
  }

  Gateway gateway(String clientAuth) throws Exception {
    ConfigLoader loader = new ConfigLoader(k -> null);
    String yaml =
        "server:\n  port: 0\n  access-log: false\n  tls:\n    certificate: "
            + f("gw.pem")
            + "\n    key: "
            + f("gw.key")
            + "\n    client-auth: "
            + clientAuth
            + "\n    client-ca: "
            + f("ca.pem")
            + "\nadmin:\n  enabled: false\nupstream:\n  url: "
            + sim.baseUrl()
            + "\nfilters:\n"
            + "  - id: authenticate\n    client-certificates:\n      \"CN=ci-bot, O=Acme\":\n"
            + "        id: ci-bot\n        roles: [developer]\n"
            + "  - id: authorize\n    roles:\n      developer:\n        routes: [\"*\"]\n        models: [\"*\"]\n";
    return new Gateway(loader.parse(yaml), null, loader, s -> {}).start();
  }

  SSLContext client(boolean withCertificate) throws Exception {
    KeyManagerFactory kmf = null;
    if (withCertificate) {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(f("client.p12"))) {
        ks.load(in, pass.toCharArray());
      }
      kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, pass.toCharArray());
    }
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(
        kmf == null ? null : kmf.getKeyManagers(),
        new javax.net.ssl.TrustManager[] {dev.lmgate.core.tls.UpstreamTls.trusting(f("gw.pem"))},
        null);
    return ctx;
  }

  int models(Gateway gw, SSLContext ctx) throws Exception {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .sslContext(ctx)
        .build()
        .send(
            HttpRequest.newBuilder(
                    URI.create("https://127.0.0.1:" + gw.address().getPort() + "/v1/models"))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }

  @Test
  void aMappedClientCertificateAuthenticatesAndNoCertificateIsA401() throws Exception {
    try (Gateway gw = gateway("optional")) {
      assertThat(models(gw, client(true))).isEqualTo(200);
      assertThat(models(gw, client(false))).isEqualTo(401);
    }
  }

  @Test
  void withClientAuthRequiredAConnectionWithoutACertificateIsRefused() throws Exception {
    try (Gateway gw = gateway("require")) {
      assertThat(models(gw, client(true))).isEqualTo(200);
      // Refused in the TLS handshake (not, say, a timeout or a closed port): an SSL error.
      Throwable refused = catchThrowable(() -> models(gw, client(false)));
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
}
