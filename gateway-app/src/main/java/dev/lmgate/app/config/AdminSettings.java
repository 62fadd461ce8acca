package dev.lmgate.app.config;

import dev.lmgate.core.tls.TlsSettings;
import dev.lmgate.secrets.SecretRef;

/**
 * How the admin port serves, besides its address and the operators' token.
 *
 * @param tls TLS on the admin port ({@code admin.tls}, the same keys and rules as {@code
 *     server.tls}), or {@code null} for plain HTTP
 * @param metricsToken the bearer token {@code /metrics} requires ({@code admin.metrics-auth: token}
 *     with {@code admin.metrics-token}), or {@code null} when scraping is open ({@code
 *     metrics-auth: none}, the default)
 */
public record AdminSettings(TlsSettings tls, SecretRef metricsToken) {
  /** Plain HTTP, open metrics. */
  public static final AdminSettings DEFAULTS = new AdminSettings(null, null);
}
