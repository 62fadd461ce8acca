package dev.lmgate.app.config;

import dev.lmgate.core.proxy.ServerSettings;
import dev.lmgate.secrets.SecretRef;
import dev.lmgate.spi.FilterDescription;
import dev.lmgate.spi.FilterRegistry;
import dev.lmgate.spi.GatewayFilter;
import java.util.List;

/**
 * A loaded, validated config.
 *
 * @param server the proxy's settings
 * @param workerThreads event-loop threads (0: Netty's default, twice the cores)
 * @param adminHost admin port address
 * @param adminPort admin port (0: any free port; -1: disabled)
 * @param filters the filters in chain order, built and validated
 * @param audit the audit trail's settings, or {@code null} when auditing is off
 * @param upstreamKey where LM Studio's API key comes from, or {@code null} when it needs none
 * @param secrets how secrets are refreshed and where the secret managers are
 * @param adminToken the bearer token the admin port's approval routes require, or {@code null}
 *     (then they refuse)
 * @param admin the admin port's TLS and metrics access
 * @param registry the filters this config could name, with their descriptions
 */
public record GatewayConfig(
    ServerSettings server,
    int workerThreads,
    String adminHost,
    int adminPort,
    List<GatewayFilter> filters,
    AuditSettings audit,
    SecretRef upstreamKey,
    SecretSettings secrets,
    SecretRef adminToken,
    AdminSettings admin,
    FilterRegistry registry) {
  public GatewayConfig {
    filters = List.copyOf(filters);
    admin = admin == null ? AdminSettings.DEFAULTS : admin;
  }

  /** What a configured filter is. */
  public FilterDescription description(GatewayFilter filter) {
    return registry.description(filter.id()).orElseThrow();
  }

  /** The same config with other server settings and admin port. */
  public GatewayConfig with(ServerSettings server, int adminPort) {
    return new GatewayConfig(
        server,
        workerThreads,
        adminHost,
        adminPort,
        filters,
        audit,
        upstreamKey,
        secrets,
        adminToken,
        admin,
        registry);
  }

  /** The same config without auditing and upstream key (tests that bring their own listener). */
  public GatewayConfig withoutAudit() {
    return new GatewayConfig(
        server,
        workerThreads,
        adminHost,
        adminPort,
        filters,
        null,
        null,
        secrets,
        adminToken,
        admin,
        registry);
  }
}
