package dev.lmgate.app.config;

import dev.lmgate.core.tls.PemSource;
import dev.lmgate.core.tls.TlsSettings;
import dev.lmgate.core.tls.UpstreamTls;
import dev.lmgate.secrets.RefreshingSecret;
import dev.lmgate.secrets.SecretRef;
import dev.lmgate.spi.ConfigException;
import dev.lmgate.spi.ConfigReader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/** The {@code tls} blocks of the config: the listeners' certificates and the upstream's trust. */
final class TlsConfig {
  private TlsConfig() {}

  /** {@code upstream.tls}: trust for an https:// upstream; {@code null} when absent. */
  static UpstreamTls upstream(ConfigReader section, URI upstream) throws ConfigException {
    if (section.node().isMissingNode() || section.node().isNull()) {
      return null;
    }
    ConfigReader t = section.only(Set.of("ca-file", "pin-sha256"));
    if (!"https".equals(upstream.getScheme())) {
      throw new ConfigException(t.path(), upstream, "an https:// upstream.url (tls is for https)");
    }
    String ca = t.string("ca-file", null);
    if (ca != null && !Files.isReadable(Path.of(ca))) {
      throw new ConfigException(t.path() + ".ca-file", ca, "a readable PEM file");
    }
    List<String> pins = t.has("pin-sha256") ? t.strings("pin-sha256") : List.of();
    for (String p : pins) {
      if (!p.matches("[A-Za-z0-9+/]{43}=")) {
        throw new ConfigException(
            t.path() + ".pin-sha256", p, "base64 of a SHA-256 digest (44 characters)");
      }
    }
    return new UpstreamTls(ca == null ? null : Path.of(ca), pins);
  }

  /**
   * A listener's {@code tls} ({@code server.tls}, {@code admin.tls}): both files (or secrets
   * holding PEM), or neither ({@code null}: plain HTTP).
   */
  static TlsSettings listener(ConfigReader section, GatewayEnvironment env) throws ConfigException {
    if (section.node().isMissingNode() || section.node().isNull()) {
      return null;
    }
    ConfigReader t =
        section.only(Set.of("certificate", "key", "reload-check", "client-auth", "client-ca"));
    TlsSettings.ClientAuth clientAuth =
        t.enumValue("client-auth", TlsSettings.ClientAuth.class, TlsSettings.ClientAuth.NONE);
    String ca = t.string("client-ca", null);
    if (clientAuth != TlsSettings.ClientAuth.NONE && ca == null) {
      throw new ConfigException(
          t.path() + ".client-ca",
          "(missing)",
          "a PEM CA file when client-auth is "
              + clientAuth.name().toLowerCase(java.util.Locale.ROOT));
    }
    TlsSettings tls =
        new TlsSettings(
            pem(t, "certificate", env),
            pem(t, "key", env),
            t.duration("reload-check", Duration.ofSeconds(10)),
            clientAuth,
            ca == null ? null : Path.of(ca));
    if (tls.clientCa() != null && !Files.isReadable(tls.clientCa())) {
      throw new ConfigException(t.path() + ".client-ca", tls.clientCa(), "a readable PEM file");
    }
    return tls;
  }

  /**
   * A PEM setting: a file, or a {@code ${secret:…}} holding the PEM text (kept fresh by the
   * secrets' refresh, so a rotated certificate in a secret manager reaches new connections).
   */
  private static PemSource pem(ConfigReader t, String key, GatewayEnvironment env)
      throws ConfigException {
    String v = t.requiredString(key);
    String setting = t.path() + "." + key;
    if (v.strip().startsWith("${secret:")) {
      SecretRef ref = env.reference(setting, v);
      return new SecretPem(ref, env.resolve(setting, ref));
    }
    Path p = Path.of(v);
    if (!Files.isReadable(p)) {
      throw new ConfigException(setting, p, "a readable PEM file or a ${secret:…} reference");
    }
    return PemSource.file(p);
  }

  /** PEM text held by a secret; equal for the same reference, so reloads see no change. */
  record SecretPem(SecretRef ref, RefreshingSecret secret) implements PemSource {
    @Override
    public String read() {
      return secret.get().reveal();
    }

    @Override
    public String toString() {
      return ref.toString();
    }
  }
}
