package dev.lmgate.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/** Throwaway TLS certificates made at test time with the JDK's keytool; nothing is committed. */
public final class TestCertificates {
  private TestCertificates() {}

  /**
   * A self-signed P-256 certificate for 127.0.0.1, valid one day.
   *
   * @param keyStore PKCS#12 with the key and certificate (alias {@code tls})
   * @param password its password (random)
   * @param certificatePem the certificate alone, PEM, to trust
   */
  public record SelfSigned(Path keyStore, String password, Path certificatePem) {}

  public static SelfSigned selfSigned(Path dir, String name)
      throws IOException, InterruptedException {
    return selfSigned(dir, name, "127.0.0.1", "ip:127.0.0.1");
  }

  /**
   * A self-signed P-256 certificate for other names than 127.0.0.1, e.g. to check that a client
   * refuses a trusted certificate issued to another host.
   *
   * @param commonName the subject's CN
   * @param subjectAltNames keytool's SAN list, e.g. {@code dns:siem.example,ip:10.0.0.1}
   */
  public static SelfSigned selfSigned(
      Path dir, String name, String commonName, String subjectAltNames)
      throws IOException, InterruptedException {
    Path ks = dir.resolve(name + ".p12");
    Path pem = dir.resolve(name + ".pem");
    String pass = UUID.randomUUID().toString();
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    keytool(
        keytool,
        "-genkeypair",
        "-alias",
        "tls",
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        "CN=" + commonName,
        "-ext",
        "SAN=" + subjectAltNames,
        "-validity",
        "1",
        "-keystore",
        ks.toString(),
        "-storetype",
        "PKCS12",
        "-storepass",
        pass);
    keytool(
        keytool,
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
    return new SelfSigned(ks, pass, pem);
  }

  private static void keytool(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("keytool failed: " + out);
    }
  }
}
