package dev.lmgate.core.tls;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * TLS to LM Studio behind a reverse proxy ({@code upstream.url: https://…}): TLS 1.3/1.2, the
 * server's certificate checked against the JVM's CAs or a given CA file, its host name verified,
 * and optionally its public key pinned (SHA-256 of the SubjectPublicKeyInfo, base64, as in HPKP).
 *
 * @param caFile PEM CA certificates to trust instead of the JVM's, or {@code null}
 * @param pins accepted public-key pins; empty for no pinning
 */
public record UpstreamTls(Path caFile, List<String> pins) {
  public UpstreamTls {
    pins = List.copyOf(pins);
  }

  /** Builds the client context; a CA file that does not load is an {@link IOException}. */
  public SslContext context() throws IOException {
    try {
      X509TrustManager base = trusting(caFile);
      X509TrustManager trust = pins.isEmpty() ? base : new Pinned(base, pins);
      return SslContextBuilder.forClient()
          .sslProvider(SslProvider.JDK)
          .protocols(ServerTls.PROTOCOLS)
          .ciphers(ServerTls.CIPHERS)
          .trustManager(trust)
          .endpointIdentificationAlgorithm("HTTPS")
          .build();
    } catch (GeneralSecurityException e) {
      throw new IOException("upstream TLS: " + e.getMessage(), e);
    }
  }

  /**
   * A trust manager for the CA certificates in a PEM file, or for the JVM's CAs when {@code caFile}
   * is {@code null}. Shared by every TLS client in the gateway (LM Studio, syslog).
   */
  public static X509TrustManager trusting(Path caFile)
      throws IOException, GeneralSecurityException {
    KeyStore ks = null;
    if (caFile != null) {
      ks = KeyStore.getInstance(KeyStore.getDefaultType());
      ks.load(null, null);
      try (InputStream in = Files.newInputStream(caFile)) {
        int i = 0;
        for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
          ks.setCertificateEntry("ca" + i++, c);
        }
        if (i == 0) {
          throw new IOException("no certificate in " + caFile);
        }
      }
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks); // null: the JVM's CAs
    for (TrustManager tm : tmf.getTrustManagers()) {
      if (tm instanceof X509TrustManager x) {
        return x;
      }
    }
    throw new GeneralSecurityException("no X.509 trust manager");
  }

  /** The SHA-256 pin of a certificate's public key, base64. */
  public static String pinOf(X509Certificate c) {
    try {
      return Base64.getEncoder()
          .encodeToString(
              MessageDigest.getInstance("SHA-256").digest(c.getPublicKey().getEncoded()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Trusts what the base trusts, and only when the leaf's key is one of the pins. */
  private record Pinned(X509TrustManager base, List<String> pins) implements X509TrustManager {
    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      base.checkServerTrusted(chain, authType);
      if (!pins.contains(pinOf(chain[0]))) {
        throw new CertificateException("LM Studio's certificate key is not one of the pinned keys");
      }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      throw new CertificateException("not a server trust manager");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return base.getAcceptedIssuers();
    }
  }
}
