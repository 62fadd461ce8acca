package dev.lmgate.secrets;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A throwaway certificate for an emulator on 127.0.0.1, made with keytool at test time. (The
 * testkit's TestCertificates does the same but lives beside Netty, which this module must never
 * see, even in tests.)
 */
final class EmulatorTls {
  private EmulatorTls() {}

  /**
   * @param keyStore PKCS#12 key store for the emulator
   * @param password its random password
   * @param clientContext an SSL context trusting only this certificate
   */
  record Server(Path keyStore, String password, SSLContext clientContext) {}

  static Server server(Path dir) throws Exception {
    Path ks = dir.resolve("emulator.p12");
    Path pem = dir.resolve("emulator.pem");
    String pass = UUID.randomUUID().toString();
    keytool(
        "-genkeypair",
        "-alias",
        "tls",
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        "CN=127.0.0.1",
        "-ext",
        "SAN=ip:127.0.0.1",
        "-validity",
        "1",
        "-keystore",
        ks.toString(),
        "-storetype",
        "PKCS12",
        "-storepass",
        pass);
    keytool(
        "-exportcert",
        "-rfc",
        "-alias",
        "tls",
        "-keystore",
        ks.toString(),
        "-storepass",
        pass,
        "-file",
        pem.toString());
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(pem)) {
      trust.setCertificateEntry(
          "emulator", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return new Server(ks, pass, ctx);
  }

  private static void keytool(String... args) throws IOException, InterruptedException {
    String[] cmd = new String[args.length + 1];
    cmd[0] = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    System.arraycopy(args, 0, cmd, 1, args.length);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("keytool failed: " + out);
    }
  }
}
