package dev.lmgate.core.tls;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Server TLS: the listener speaks only TLS 1.3 and 1.2 when this is set (no plaintext on the port).
 *
 * @param certificate PEM certificate chain, leaf first (a file or a secret)
 * @param key PEM private key, PKCS#8 (a file or a secret)
 * @param reloadCheck how often the two are re-read for a rotation; a changed pair applies to new
 *     connections, open ones keep theirs
 * @param clientAuth whether clients present certificates (mTLS)
 * @param clientCa PEM CA certificates that client certificates must chain to; required unless
 *     {@code clientAuth} is {@code NONE}
 */
public record TlsSettings(
    PemSource certificate,
    PemSource key,
    Duration reloadCheck,
    ClientAuth clientAuth,
    Path clientCa) {

  /** Client certificates: not asked for, asked for, or required at the handshake. */
  public enum ClientAuth {
    NONE,
    OPTIONAL,
    REQUIRE
  }

  public TlsSettings {
    Objects.requireNonNull(certificate, "certificate");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(reloadCheck, "reloadCheck");
    clientAuth = clientAuth == null ? ClientAuth.NONE : clientAuth;
    if (clientAuth != ClientAuth.NONE) {
      Objects.requireNonNull(clientCa, "clientCa");
    }
  }

  public TlsSettings(Path certificate, Path key, Duration reloadCheck) {
    this(PemSource.file(certificate), PemSource.file(key), reloadCheck, ClientAuth.NONE, null);
  }
}
