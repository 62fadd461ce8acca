package dev.lmgate.app.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lmgate.audit.export.SyslogSink;
import dev.lmgate.testkit.TestCertificates;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A TLS syslog export trusts a collector only when its certificate both chains to the configured CA
 * and names the host the export connects to; a certificate of the right CA issued to another host
 * is refused, as LM Studio upstream TLS does.
 */
class SyslogTlsTest {
  @TempDir Path tmp;

  @Test
  void refusesACollectorWhoseTrustedCertificateNamesAnotherHost() throws Exception {
    TestCertificates.SelfSigned other =
        TestCertificates.selfSigned(tmp, "other", "siem.example", "dns:siem.example");
    try (ServerSocket collector = collector(other)) {
      CompletableFuture<String> received = receiveOne(collector);
      try (SyslogSink sink =
          new SyslogSink(
              "127.0.0.1", collector.getLocalPort(), AuditSettings.tls(other.certificatePem()))) {
        assertThatThrownBy(() -> sink.send(record(), "info"))
            .isInstanceOf(SSLHandshakeException.class)
            .hasMessageContaining("127.0.0.1");
      }
      collector.close();
      assertThat(received.get(30, TimeUnit.SECONDS)).isEmpty();
    }
  }

  @Test
  void sendsToACollectorWhoseCertificateNamesTheConfiguredHost() throws Exception {
    TestCertificates.SelfSigned local = TestCertificates.selfSigned(tmp, "local");
    try (ServerSocket collector = collector(local)) {
      CompletableFuture<String> received = receiveOne(collector);
      try (SyslogSink sink =
          new SyslogSink(
              "127.0.0.1", collector.getLocalPort(), AuditSettings.tls(local.certificatePem()))) {
        sink.send(record(), "info");
      }
      assertThat(received.get(30, TimeUnit.SECONDS)).startsWith("<134>1 ").contains("\"ok\"");
    }
  }

  @Test
  void matchesALocalhostCertificateByName() throws Exception {
    TestCertificates.SelfSigned named =
        TestCertificates.selfSigned(tmp, "named", "localhost", "dns:localhost");
    try (ServerSocket collector = collector(named)) {
      CompletableFuture<String> received = receiveOne(collector);
      try (SyslogSink sink =
          new SyslogSink(
              "localhost", collector.getLocalPort(), AuditSettings.tls(named.certificatePem()))) {
        sink.send(record(), "info");
      }
      assertThat(received.get(30, TimeUnit.SECONDS)).contains("\"ok\"");
    }
  }

  private static ObjectNode record() {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("@timestamp", "2026-01-01T00:00:00Z");
    n.put("message", "ok");
    return n;
  }

  /** A TLS server on the loopback address presenting {@code cert}. */
  private static ServerSocket collector(TestCertificates.SelfSigned cert) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(cert.keyStore())) {
      ks.load(in, cert.password().toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, cert.password().toCharArray());
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), null, null);
    return ctx.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress());
  }

  /**
   * Reads the first octet-counted frame of the first connection: its text, or empty when the
   * connection ended (or the handshake failed, or the server closed) before a whole frame came.
   */
  private static CompletableFuture<String> receiveOne(ServerSocket server) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (Socket s = server.accept();
              InputStream in = s.getInputStream()) {
            StringBuilder len = new StringBuilder();
            int c;
            while ((c = in.read()) != ' ') {
              if (c < 0) {
                return "";
              }
              len.append((char) c);
            }
            return new String(
                in.readNBytes(Integer.parseInt(len.toString())), StandardCharsets.UTF_8);
          } catch (java.io.IOException e) {
            return "";
          }
        });
  }
}
