package dev.lmgate.app;

import dev.lmgate.app.config.AuditSettings;
import dev.lmgate.app.config.ConfigLoader;
import dev.lmgate.app.config.GatewayConfig;
import dev.lmgate.app.config.GatewayEnvironment;
import dev.lmgate.app.config.SharedState;
import dev.lmgate.audit.AuditTrail;
import dev.lmgate.core.admin.AdminServer;
import dev.lmgate.core.admin.GatewayMetrics;
import dev.lmgate.core.chain.FilterChain;
import dev.lmgate.core.proxy.GatewayServer;
import dev.lmgate.core.proxy.UpstreamKey;
import dev.lmgate.filters.approval.ApprovalStore;
import dev.lmgate.filters.auth.AuthenticateFilter;
import dev.lmgate.filters.auth.KeyStore;
import dev.lmgate.filters.incident.IncidentState;
import dev.lmgate.filters.incident.KillSwitchFilter;
import dev.lmgate.filters.policy.AuthorizeFilter;
import dev.lmgate.secrets.RefreshingSecret;
import dev.lmgate.secrets.Secrets;
import dev.lmgate.spi.ConfigException;
import dev.lmgate.spi.ExchangeListener;
import dev.lmgate.spi.Secret;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running gateway: the proxy, the admin port and, when started from a file, the hot reload of
 * that file. A valid new config swaps in atomically for new requests; an invalid one is logged,
 * counted ({@code lmgate_config_reloads_total{result="rejected"}}) and the old one keeps serving.
 */
public final class Gateway implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Gateway.class);

  private final GatewayMetrics metrics = new GatewayMetrics();
  private final SharedState sharedState;
  private final AtomicReference<FilterChain> chain = new AtomicReference<>();
  private final GatewayConfig initial;
  private final GatewayServer server;
  private final AdminServer admin;
  private final Path configFile;
  private final ConfigLoader loader;
  private final AuditTrail audit;
  private final Secrets secrets;
  private ScheduledExecutorService watcher;
  private FileTime lastModified;
  private InetSocketAddress address;
  private InetSocketAddress adminAddress;

  /**
   * Builds the gateway; when the config has an audit section, opens (and checks) the audit log.
   *
   * @throws IOException when the audit log cannot be opened or fails verification
   */
  public Gateway(
      GatewayConfig config, Path configFile, ConfigLoader loader, ExchangeListener listener)
      throws IOException {
    this.initial = config;
    this.configFile = configFile;
    this.loader = loader;
    GatewayEnvironment environment = loader.environment();
    environment.accepted(); // the config this gateway starts with
    this.secrets = environment.secrets();
    environment.attach(
        e -> {
          if (e.type() == dev.lmgate.spi.SecurityEvent.Type.SECRET_REFRESH_FAILED) {
            metrics.secretRefreshFailed();
          }
        });
    RefreshingSecret upstreamKey = null;
    try {
      upstreamKey =
          config.upstreamKey() == null
              ? null
              : environment.resolve("upstream.api-key", config.upstreamKey());
    } catch (ConfigException e) {
      throw new IOException(e.getMessage(), e);
    }
    this.audit =
        config.audit() == null
            ? null
            : config
                .audit()
                .open(Clock.systemUTC(), loader.env(), AuditSettings.SecretSource.of(environment));
    ExchangeListener all = audit == null ? listener : new BothListeners(audit, listener);
    if (audit != null) {
      AuditMetrics.register(metrics.registry(), audit);
    }
    this.chain.set(new FilterChain(config.filters(), metrics));
    this.sharedState =
        environment.shared("state", SharedState.class, () -> new SharedState(SharedState.NONE));
    registerSharedStateMetrics(environment);
    // the lockdown serves administrators who meet their role's requirements under the running
    // policy (read per request, so a reload applies at once)
    environment
        .shared(
            "incident",
            IncidentState.class,
            () -> new IncidentState(environment.clock(), environment.events()))
        .roleCheck((p, role) -> roleRequirementUnmet(p, role).isEmpty());
    loader.environment().attach(metrics::securityEvent);
    loader.environment().attach(all::onSecurityEvent);
    this.server =
        new GatewayServer(
            config.server(),
            chain::get,
            metrics,
            all,
            Clock.systemUTC(),
            config.workerThreads(),
            upstreamKey == null ? null : upstreamKey(upstreamKey));
    this.admin = config.adminPort() < 0 ? null : adminServer(config, environment);
  }

  /** The admin port: probes and metrics, and the operator routes behind {@code admin.token}. */
  private AdminServer adminServer(GatewayConfig config, GatewayEnvironment environment)
      throws IOException {
    AdminToken token = new AdminToken(adminToken(config, environment));
    Clock clock = environment.clock();
    IncidentState incidents =
        environment.shared(
            "incident",
            IncidentState.class,
            () -> new IncidentState(environment.clock(), environment.events()));
    OperatorRoute.Requirements requirements = (p, role) -> unmet(incidents, p, role);
    java.util.function.Function<OperatorRoute.Handler, OperatorRoute> operator =
        h -> new OperatorRoute(token, this::keyStore, requirements, h, environment.events(), clock);
    ApprovalStore approvals =
        environment.shared("approvals", ApprovalStore.class, () -> new ApprovalStore(clock));
    java.util.function.Supplier<Secret> metricsToken =
        verifyingSecret("admin.metrics-token", config.admin().metricsToken(), environment);
    AdminToken scrapers = AdminToken.forMetrics(metricsToken);
    AdminServer.Options options =
        new AdminServer.Options(
            config.admin().tls(),
            config.admin().metricsToken() == null ? null : scrapers::refusal,
            AdminServer.Options.DEFAULTS.operationThreads(),
            AdminServer.Options.DEFAULTS.operationQueue());
    return new AdminServer(
            config.adminHost(),
            config.adminPort(),
            metrics,
            () -> server.upstreamReachable(2000),
            options)
        .route("/approvals", operator.apply(new ApprovalsAdmin(approvals)))
        .route(
            "/incident",
            operator.apply(new IncidentAdmin(incidents, () -> has(KillSwitchFilter.ID))))
        .route("/keys", operator.apply(new KeysAdmin(this::keyStore, clock)))
        .route(
            "/config",
            operator.apply(new ConfigAdmin(() -> configFile == null ? null : reloadNow())))
        .route("/audit", operator.apply(new AuditAdmin(config.audit())))
        .component(
            new AdminServer.Component(
                "redis",
                () -> sharedState.shared() ? sharedState.redisState() : "not used",
                // down, a replica that enforces its share of the limits alone still serves
                state ->
                    !state.equals("down")
                        || sharedState.settings().whenDown() == SharedState.WhenDown.LOCAL))
        .component(
            new AdminServer.Component(
                "postgres",
                () ->
                    keyStore()
                        .filter(k -> k instanceof dev.lmgate.state.PostgresKeyStore)
                        .map(k -> ((dev.lmgate.state.PostgresKeyStore) k).state())
                        .orElse("not used"),
                // stale, the last snapshot still serves; down, every API key is refused
                state -> !state.equals("down")));
  }

  /**
   * What keeps {@code p} from acting with {@code role} on the admin port under the running config:
   * the operators suspended it (a killed key or subject), or the running {@code authorize} filter's
   * policy for the role is not met ({@code require-mfa}) — the same rules as on the proxy.
   */
  private java.util.Optional<java.util.Map.Entry<String, String>> unmet(
      IncidentState incidents, dev.lmgate.spi.Principal p, String role) {
    if (incidents.isSuspended(p)) {
      return java.util.Optional.of(
          java.util.Map.entry(
              "access_suspended", "Access for this caller is suspended by the operators."));
    }
    return roleRequirementUnmet(p, role);
  }

  /** Why the running {@code authorize} policy does not let {@code p} act with {@code role}. */
  private java.util.Optional<java.util.Map.Entry<String, String>> roleRequirementUnmet(
      dev.lmgate.spi.Principal p, String role) {
    for (var f : chain.get().filters()) {
      if (f instanceof AuthorizeFilter a) {
        var u = a.roleRequirementUnmet(p, role);
        if (u.isPresent()) {
          return u;
        }
      }
    }
    return java.util.Optional.empty();
  }

  /** Whether the running chain has a filter with this id. */
  private boolean has(String filterId) {
    return chain.get().filters().stream().anyMatch(f -> f.id().equals(filterId));
  }

  /** The key store of the running chain's authenticate filter, if it takes API keys. */
  private java.util.Optional<KeyStore> keyStore() {
    for (var f : chain.get().filters()) {
      if (f instanceof AuthenticateFilter a) {
        return a.keyStore();
      }
    }
    return java.util.Optional.empty();
  }

  public Gateway start() throws InterruptedException {
    sharedState.start(); // connects in the background: the gateway serves while engines are down
    address = server.start();
    if (admin != null) {
      try {
        adminAddress = admin.start();
      } catch (IOException e) {
        throw new IllegalStateException("admin.tls: " + e.getMessage(), e);
      }
    }
    if (configFile != null) {
      lastModified = modified();
      watcher =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "lmgate-config-watch");
                t.setDaemon(true);
                return t;
              });
      watcher.scheduleWithFixedDelay(this::checkForChange, 1, 1, TimeUnit.SECONDS);
    }
    return this;
  }

  public InetSocketAddress address() {
    return address;
  }

  /**
   * {@code lmgate_shared_state_up{engine="redis|postgres"}} (1 connected, 0 not) and {@code
   * lmgate_rate_limit_degraded_total} (admissions decided without the shared counters), from start,
   * when the config shares state.
   */
  private void registerSharedStateMetrics(GatewayEnvironment environment) {
    if (sharedState.sharedKeys()) {
      io.micrometer.core.instrument.Gauge.builder(
              "lmgate.shared.state.up",
              this,
              g ->
                  g.keyStore()
                          .filter(k -> k instanceof dev.lmgate.state.PostgresKeyStore)
                          .map(k -> ((dev.lmgate.state.PostgresKeyStore) k).state())
                          .orElse("down")
                          .equals("up")
                      ? 1
                      : 0)
          .description("Whether the engine replicas share is connected (1) or not (0)")
          .tag("engine", "postgres")
          .register(metrics.registry());
    }
    if (!sharedState.shared()) {
      return;
    }
    io.micrometer.core.instrument.Gauge.builder(
            "lmgate.shared.state.up", sharedState, s -> s.redisUp() ? 1 : 0)
        .description("Whether the engine replicas share is connected (1) or not (0)")
        .tag("engine", "redis")
        .register(metrics.registry());
    Object counters =
        environment.shared(
            "rate-limit.counters",
            dev.lmgate.filters.ratelimit.LimitCounters.class,
            () -> new dev.lmgate.filters.ratelimit.InMemoryLimitCounters());
    if (counters instanceof dev.lmgate.state.RedisLimitCounters redis) {
      io.micrometer.core.instrument.FunctionCounter.builder(
              "lmgate.rate.limit.degraded", redis, r -> r.degradedAdmissions())
          .description(
              "Rate-limit admissions decided without the shared counters (Redis could not answer)")
          .register(metrics.registry());
    }
  }

  public InetSocketAddress adminAddress() {
    return adminAddress;
  }

  /** The admin token, resolved now (a bad reference stops the start), then kept fresh. */
  private static java.util.function.Supplier<Secret> adminToken(
      GatewayConfig config, GatewayEnvironment environment) throws IOException {
    return verifyingSecret("admin.token", config.adminToken(), environment);
  }

  /**
   * How long a secret that verifies callers (the admin and metrics tokens) keeps counting while its
   * store cannot confirm it: a token rotated out during a store outage must not stay valid forever.
   */
  static final java.time.Duration VERIFYING_SECRET_MAX_STALE = java.time.Duration.ofHours(1);

  /**
   * A secret that verifies callers: its value while its store confirmed it within {@link
   * #VERIFYING_SECRET_MAX_STALE}, then {@link AdminToken#UNCONFIRMED} until the store answers
   * again.
   */
  private static java.util.function.Supplier<Secret> verifyingSecret(
      String setting, dev.lmgate.secrets.SecretRef ref, GatewayEnvironment environment)
      throws IOException {
    if (ref == null) {
      return () -> null;
    }
    RefreshingSecret t = resolved(setting, ref, environment);
    return () -> {
      Secret s = t.confirmedWithin(VERIFYING_SECRET_MAX_STALE);
      return s == null ? AdminToken.UNCONFIRMED : s;
    };
  }

  /** A secret setting resolved now (a bad reference stops the start), then kept fresh. */
  private static java.util.function.Supplier<Secret> secret(
      String setting, dev.lmgate.secrets.SecretRef ref, GatewayEnvironment environment)
      throws IOException {
    return ref == null ? () -> null : resolved(setting, ref, environment)::get;
  }

  private static RefreshingSecret resolved(
      String setting, dev.lmgate.secrets.SecretRef ref, GatewayEnvironment environment)
      throws IOException {
    try {
      return environment.resolve(setting, ref);
    } catch (ConfigException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  /** The key the proxy presents to LM Studio, re-read on the secrets' thread when refused. */
  private UpstreamKey upstreamKey(RefreshingSecret key) {
    return new UpstreamKey() {
      @Override
      public Secret get() {
        return key.get();
      }

      @Override
      public CompletionStage<Boolean> refresh() {
        return secrets.refreshAsync(key);
      }
    };
  }

  /** The admin port's TLS once started, or {@code null} for plain HTTP (or no admin port). */
  public dev.lmgate.core.tls.ServerTls adminTls() {
    return admin == null ? null : admin.tls();
  }

  /** The listener's TLS once started, or {@code null} for plain HTTP. */
  public dev.lmgate.core.tls.ServerTls tls() {
    return server.tls();
  }

  /** The secrets this gateway resolved (refreshed in the background). */
  public Secrets secrets() {
    return secrets;
  }

  /** The audit trail, or {@code null} when auditing is off. */
  public AuditTrail audit() {
    return audit;
  }

  public GatewayMetrics metrics() {
    return metrics;
  }

  public FilterChain chain() {
    return chain.get();
  }

  private void checkForChange() {
    FileTime now = modified();
    if (now != null && !now.equals(lastModified)) {
      lastModified = now;
      reload();
    }
  }

  /** Reloads the config file now; returns whether the new config was applied. */
  public boolean reload() {
    return reloadNow().isEmpty();
  }

  /** Reloads the config file now; empty when the new config was applied, else why not. */
  public synchronized java.util.Optional<String> reloadNow() {
    try {
      GatewayConfig next = loader.load(configFile);
      chain.set(new FilterChain(next.filters(), metrics));
      loader.environment().accepted();
      metrics.configReload(true);
      if (!next.server().equals(initial.server())
          || next.adminPort() != initial.adminPort()
          || !next.admin().equals(initial.admin())
          || !java.util.Objects.equals(next.audit(), initial.audit())) {
        log.warn(
            "config reloaded: filters applied; server, upstream, admin and audit settings take effect on restart");
      } else {
        log.info("config reloaded: {} filters", next.filters().size());
      }
      return java.util.Optional.empty();
    } catch (ConfigException e) {
      metrics.configReload(false);
      log.error("config reload rejected, the previous config keeps serving: {}", e.getMessage());
      return java.util.Optional.of(e.getMessage());
    } catch (RuntimeException e) {
      metrics.configReload(false);
      log.error("config reload rejected, the previous config keeps serving", e);
      return java.util.Optional.of(e.getClass().getSimpleName());
    }
  }

  private FileTime modified() {
    try {
      return Files.getLastModifiedTime(configFile);
    } catch (IOException e) {
      return null;
    }
  }

  @Override
  public void close() {
    if (watcher != null) {
      watcher.shutdownNow();
    }
    server.close(); // drains: the last exchanges are recorded before the trail closes
    if (admin != null) {
      admin.close();
    }
    if (audit != null) {
      audit.close();
    }
    loader.environment().close(); // the shared state and the secrets, last
  }
}
