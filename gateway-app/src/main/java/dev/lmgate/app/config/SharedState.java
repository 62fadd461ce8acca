package dev.lmgate.app.config;

import dev.lmgate.filters.ratelimit.InMemoryLimitCounters;
import dev.lmgate.filters.ratelimit.LimitCounters;
import dev.lmgate.spi.ConfigException;
import dev.lmgate.spi.ConfigReader;
import dev.lmgate.state.RedisEngine;
import dev.lmgate.state.RedisLimitCounters;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * The {@code state:} block: which engines the replicas of one gateway share, and what each does
 * while they are down (docs/scaling.md). Read once, with the first config: changing it needs a
 * restart. The engine connects when the gateway starts ({@link #start}); offline tools that build
 * the filters never connect.
 *
 * <p>With {@code redis} empty (the default), every counter is this process's, as before.
 */
public final class SharedState implements AutoCloseable {
  /** What rate limits do while Redis cannot answer. */
  public enum WhenDown {
    /**
     * Each replica enforces its share of every limit alone: the limit divided by {@code replicas}.
     */
    LOCAL,
    /** Requests the limits apply to are refused ({@code 503}), as the rate-limit filter fails. */
    REFUSE
  }

  /**
   * @param redis {@code redis://…} or null
   * @param postgres the JDBC URL made from {@code postgresql://…}, or null
   * @param replicaId this replica's name (leases, logs)
   * @param replicas how many replicas share the limits (the local share while Redis is down)
   * @param whenDown what limits do while Redis cannot answer
   * @param timeout how long a Redis command may take
   * @param lease how long a concurrency slot is held at most
   */
  public record Settings(
      String redis,
      String postgres,
      String replicaId,
      int replicas,
      WhenDown whenDown,
      Duration timeout,
      Duration lease) {}

  /** Nothing shared: every counter is this process's. */
  public static final Settings NONE =
      new Settings(
          null, null, hostName(), 1, WhenDown.LOCAL, Duration.ofMillis(50), Duration.ofMinutes(10));

  private final Settings settings;
  private volatile RedisEngine redis; // started by start() or on first use
  private boolean closed;

  public SharedState(Settings settings) {
    this.settings = settings;
  }

  public Settings settings() {
    return settings;
  }

  /** Reads {@code state:}; absent or empty URLs mean this process alone. */
  static Settings read(ConfigReader r) throws ConfigException {
    ConfigReader s =
        r.child("state")
            .only(
                Set.of(
                    "redis",
                    "postgres",
                    "replica-id",
                    "replicas",
                    "when-redis-down",
                    "timeout",
                    "lease"));
    String url = s.string("redis", "").trim();
    if (!url.isEmpty()) {
      String expected = "redis://[user:password@]host:port[/db] (or rediss:// for TLS)";
      if (!url.startsWith("redis://") && !url.startsWith("rediss://")) {
        throw new ConfigException(s.path() + ".redis", RedisEngine.masked(url), expected);
      }
      try {
        RedisEngine.check(url);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(
            s.path() + ".redis", RedisEngine.masked(url), expected + "; " + e.getMessage());
      }
    }
    String id = s.string("replica-id", "");
    int replicas = (int) s.integer("replicas", 1, 1, 10_000);
    if (!url.isEmpty() && replicas == 1) {
      org.slf4j.LoggerFactory.getLogger(SharedState.class)
          .warn(
              "state.replicas is 1: while Redis is down every replica enforces each whole limit,"
                  + " so N replicas let N times the limit through; set it to the replica count");
    }
    String pg = s.string("postgres", "").trim();
    return new Settings(
        url.isEmpty() ? null : url,
        pg.isEmpty() ? null : jdbc(s.path() + ".postgres", pg),
        id.isBlank() ? hostName() : id.trim(),
        replicas,
        s.enumValue("when-redis-down", WhenDown.class, WhenDown.LOCAL),
        s.duration("timeout", Duration.ofMillis(50)),
        s.duration("lease", Duration.ofMinutes(10)));
  }

  /**
   * The JDBC URL for a libpq URL, {@code postgresql://user[:password]@host:port/db}; user and
   * password become parameters, percent-encoded.
   */
  public static String jdbc(String path, String url) throws ConfigException {
    String expected = "postgresql://user[:password]@host:port/db";
    java.net.URI u;
    try {
      u = new java.net.URI(url);
    } catch (java.net.URISyntaxException e) {
      throw new ConfigException(path, RedisEngine.masked(url), expected);
    }
    if (!("postgresql".equals(u.getScheme()) || "postgres".equals(u.getScheme()))
        || u.getHost() == null
        || u.getRawPath() == null
        || u.getRawPath().length() < 2) {
      throw new ConfigException(path, RedisEngine.masked(url), expected);
    }
    StringBuilder j =
        new StringBuilder("jdbc:postgresql://")
            .append(u.getHost())
            .append(':')
            .append(u.getPort() < 0 ? 5432 : u.getPort())
            .append(u.getRawPath());
    String info = u.getUserInfo();
    if (info != null) {
      int colon = info.indexOf(':');
      String user = colon < 0 ? info : info.substring(0, colon);
      j.append("?user=")
          .append(java.net.URLEncoder.encode(user, java.nio.charset.StandardCharsets.UTF_8));
      if (colon >= 0) {
        j.append("&password=")
            .append(
                java.net.URLEncoder.encode(
                    info.substring(colon + 1), java.nio.charset.StandardCharsets.UTF_8));
      }
    }
    return j.toString();
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName().toLowerCase(Locale.ROOT);
    } catch (java.io.IOException e) {
      return "replica";
    }
  }

  /** Whether any engine is shared. */
  public boolean shared() {
    return settings.redis() != null;
  }

  /** Whether API keys live in PostgreSQL. */
  public boolean sharedKeys() {
    return settings.postgres() != null;
  }

  /** API keys in PostgreSQL, for {@code authenticate} (which supplies the pepper). */
  dev.lmgate.filters.auth.SharedKeyStores keyStores() {
    String jdbc = settings.postgres();
    String prefix = "jdbc:postgresql://";
    String where =
        "PostgreSQL at " + jdbc.substring(prefix.length(), jdbc.indexOf('/', prefix.length()));
    return new dev.lmgate.filters.auth.SharedKeyStores() {
      @Override
      public dev.lmgate.filters.auth.KeyStore open(
          dev.lmgate.filters.auth.KeyHashes hashes, Duration maxStaleness) {
        return dev.lmgate.state.PostgresKeyStore.open(
            jdbc, hashes, java.time.Clock.systemUTC(), maxStaleness, Duration.ofSeconds(5));
      }

      @Override
      public String where() {
        return where;
      }
    };
  }

  /** Connects the engines (in the background: a gateway starts while they are down). */
  public synchronized void start() {
    if (settings.redis() != null && redis == null && !closed) {
      redis = RedisEngine.start(settings.redis(), settings.timeout());
    }
  }

  /** The engine (started on first use); after {@link #close}, a closed one that answers nothing. */
  private RedisEngine redis() {
    RedisEngine r = redis; // the per-request path: no lock once started
    if (r != null) {
      return r;
    }
    synchronized (this) {
      if (redis == null) {
        if (closed) {
          throw new IllegalStateException("shared state is closed");
        }
        start();
      }
      return redis;
    }
  }

  /** Rate-limit counters on Redis, with this replica's share as the fallback (or none). */
  LimitCounters limitCounters() {
    return new RedisLimitCounters(
        this::redis,
        settings.replicaId(),
        settings.lease(),
        settings.whenDown() == WhenDown.LOCAL
            ? new InMemoryLimitCounters(1.0 / settings.replicas())
            : null);
  }

  /** {@code up}, {@code down} or {@code not started}, for {@code /readyz}; null when not shared. */
  public synchronized String redisState() {
    if (settings.redis() == null) {
      return null;
    }
    return redis == null ? "not started" : redis.up() ? "up" : "down";
  }

  /** Whether Redis is connected now (false when not shared or not started). */
  public synchronized boolean redisUp() {
    return redis != null && redis.up();
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (redis != null) {
      redis.close(); // kept: later calls find a closed engine, never start a new one
    }
  }
}
