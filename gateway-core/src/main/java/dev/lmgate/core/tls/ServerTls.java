package dev.lmgate.core.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listener's TLS: TLS 1.3 and 1.2 only, forward-secret AEAD cipher suites only, certificate and
 * key from PEM files that are checked for rotation on a background thread. A new pair applies to
 * new connections; open connections (a stream in progress) keep the context they started with. A
 * pair that does not load (half-written, mismatched) is logged and the previous one stays.
 *
 * <p>The handshakes and records run in BoringSSL (netty-tcnative) where its native library loads —
 * several times the JDK provider's handshake rate (docs/performance.md) — and in the JDK's provider
 * otherwise; both get the same protocols and suites.
 */
public final class ServerTls implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ServerTls.class);

  /** TLS 1.3 suites, then TLS 1.2 ECDHE with AES-GCM or ChaCha20-Poly1305. */
  public static final List<String> CIPHERS =
      List.of(
          "TLS_AES_128_GCM_SHA256",
          "TLS_AES_256_GCM_SHA384",
          "TLS_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
          "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
          "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

  public static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

  /**
   * BoringSSL when it loads here, else the JDK's TLS; {@code -Dlmgate.tls.provider=jdk} forces the
   * JDK's (e.g. a FIPS-validated JDK provider).
   */
  public static final SslProvider PROVIDER =
      !"jdk".equals(System.getProperty("lmgate.tls.provider"))
              && io.netty.handler.ssl.OpenSsl.isAvailable()
          ? SslProvider.OPENSSL
          : SslProvider.JDK;

  private final TlsSettings settings;
  private volatile SslContext context;
  private String certPem;
  private String keyPem;
  private ScheduledExecutorService watcher;

  /** Loads the pair now; a pair that does not load is an {@link IOException} (start fails). */
  public ServerTls(TlsSettings settings) throws IOException {
    this.settings = settings;
    this.certPem = settings.certificate().read();
    this.keyPem = settings.key().read();
    this.context = load(certPem, keyPem);
    log.info(
        "TLS 1.3/1.2 on the listener through {}",
        PROVIDER == SslProvider.OPENSSL ? "BoringSSL" : "the JDK's provider");
  }

  private SslContext load(String cert, String key) throws IOException {
    try {
      checkPair(cert, key);
      SslContextBuilder b =
          SslContextBuilder.forServer(
                  new java.io.ByteArrayInputStream(
                      cert.getBytes(java.nio.charset.StandardCharsets.US_ASCII)),
                  new java.io.ByteArrayInputStream(
                      key.getBytes(java.nio.charset.StandardCharsets.US_ASCII)))
              .sslProvider(PROVIDER)
              .protocols(PROTOCOLS)
              .ciphers(CIPHERS);
      if (settings.clientAuth() != TlsSettings.ClientAuth.NONE) {
        b.trustManager(settings.clientCa().toFile())
            .clientAuth(
                settings.clientAuth() == TlsSettings.ClientAuth.REQUIRE
                    ? io.netty.handler.ssl.ClientAuth.REQUIRE
                    : io.netty.handler.ssl.ClientAuth.OPTIONAL);
      }
      return b.build();
    } catch (IOException | RuntimeException | java.security.GeneralSecurityException e) {
      throw new IOException(
          "TLS certificate "
              + settings.certificate()
              + " and key "
              + settings.key()
              + " do not load: "
              + e.getMessage(),
          e);
    }
  }

  /**
   * The key must belong to the leaf certificate (a rotation that replaced one file but not yet the
   * other must not go live): a probe signed with the key has to verify with the certificate.
   */
  private static void checkPair(String cert, String pem)
      throws IOException, java.security.GeneralSecurityException {
    java.security.cert.X509Certificate leaf =
        (java.security.cert.X509Certificate)
            java.security.cert.CertificateFactory.getInstance("X.509")
                .generateCertificate(
                    new java.io.ByteArrayInputStream(
                        cert.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
    String begin = "-----BEGIN PRIVATE KEY-----";
    int from = pem.indexOf(begin);
    int to = from < 0 ? -1 : pem.indexOf("-----END PRIVATE KEY-----", from + begin.length());
    if (to < 0) {
      throw new IOException("the key is not an unencrypted PKCS#8 PEM (BEGIN PRIVATE KEY)");
    }
    byte[] der;
    try {
      der = java.util.Base64.getMimeDecoder().decode(pem.substring(from + begin.length(), to));
    } catch (IllegalArgumentException e) {
      throw new IOException("the key's PEM body is not base64", e);
    }
    String alg = leaf.getPublicKey().getAlgorithm();
    java.security.PrivateKey key =
        java.security.KeyFactory.getInstance(alg)
            .generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(der));
    String sigAlg =
        switch (alg) {
          case "EC" -> "SHA256withECDSA";
          case "RSA" -> "SHA256withRSA";
          default -> alg; // Ed25519, Ed448
        };
    byte[] probe = "lmgate tls key check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    java.security.Signature sign = java.security.Signature.getInstance(sigAlg);
    sign.initSign(key);
    sign.update(probe);
    byte[] sig = sign.sign();
    java.security.Signature verify = java.security.Signature.getInstance(sigAlg);
    verify.initVerify(leaf.getPublicKey());
    verify.update(probe);
    if (!verify.verify(sig)) {
      throw new IOException("the key does not belong to the certificate");
    }
  }

  /** Starts checking the certificate and key for rotation. */
  public ServerTls watch() {
    watcher =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "lmgate-tls-reload");
              t.setDaemon(true);
              return t;
            });
    long every = settings.reloadCheck().toMillis();
    watcher.scheduleWithFixedDelay(this::reloadIfChanged, every, every, TimeUnit.MILLISECONDS);
    return this;
  }

  /** Reloads the pair if either changed; returns whether a new pair is in use. */
  public boolean reloadIfChanged() {
    try {
      String c = settings.certificate().read();
      String k = settings.key().read();
      if (c.equals(certPem) && k.equals(keyPem)) {
        return false;
      }
      SslContext next = load(c, k);
      context = next;
      certPem = c;
      keyPem = k;
      log.info("TLS certificate {} reloaded: new connections use it", settings.certificate());
      return true;
    } catch (IOException | RuntimeException e) {
      log.error("TLS reload failed, the previous certificate stays in use: {}", e.getMessage());
      return false;
    }
  }

  /** A handler for a new connection, with the current certificate. */
  public SslHandler newHandler(ByteBufAllocator alloc) {
    return context.newHandler(alloc);
  }

  @Override
  public void close() {
    if (watcher != null) {
      watcher.shutdownNow();
    }
  }
}
