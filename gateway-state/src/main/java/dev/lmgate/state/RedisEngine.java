package dev.lmgate.state;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One multiplexed connection to Redis (or Valkey) for every piece of shared hot state. Commands
 * time out after {@code commandTimeout} and are rejected, not queued, while the connection is down:
 * a caller hears at once that the engine cannot answer and falls back as its settings say. The
 * connection is made in the background and remade after a loss (Lettuce reconnects on its own once
 * connected; a first connection that fails is retried every {@link #RETRY}), so a gateway starts
 * and serves while Redis is down.
 */
public final class RedisEngine implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RedisEngine.class);

  /** How often a first connection that failed is tried again. */
  static final Duration RETRY = Duration.ofSeconds(1);

  private final RedisClient client;
  private final DefaultClientResources resources;
  private final RedisURI uri;
  private volatile StatefulRedisConnection<String, String> connection;
  private volatile boolean closed;

  /** Whether the last health check (a {@code PING} every {@link #CHECK}) was answered in time. */
  private volatile boolean answering;

  private int failedConnects; // first-connection attempts that failed, for logging once a minute

  /** How often the engine is asked whether it answers. */
  static final Duration CHECK = Duration.ofSeconds(1);

  private RedisEngine(RedisClient client, DefaultClientResources resources, RedisURI uri) {
    this.client = client;
    this.resources = resources;
    this.uri = uri;
  }

  /**
   * Whether {@code url} is one Lettuce can connect to, read exactly as {@link #start} reads it.
   *
   * @throws IllegalArgumentException when it is not (the message never holds the URL: it may hold a
   *     password)
   */
  public static void check(String url) {
    RedisURI u;
    try {
      u = RedisURI.create(url);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not a Redis URL");
    }
    String host = u.getHost();
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("no host");
    }
    boolean ok = !host.startsWith(":"); // "p@ss@:6379" is read as the host ":6379"
    for (int i = 0; i < host.length() && ok; i++) {
      char c = host.charAt(i);
      ok = Character.isLetterOrDigit(c) || c == '.' || c == '-' || c == '_' || c == ':';
    }
    if (!ok) {
      throw new IllegalArgumentException(
          "no host name after the credentials (an @ in a password is written %40)");
    }
  }

  /** {@code url} with its credentials masked: everything between the scheme and the last @. */
  public static String masked(String url) {
    int scheme = url.indexOf("://");
    int at = url.lastIndexOf('@');
    return scheme >= 0 && at > scheme
        ? url.substring(0, scheme + 3) + "***" + url.substring(at)
        : url;
  }

  /**
   * An engine for {@code url} ({@code redis://[user:password@]host:port[/db]}, or {@code rediss://}
   * for TLS); it connects in the background.
   *
   * @throws IllegalArgumentException when the URL is not one
   */
  public static RedisEngine start(String url, Duration commandTimeout) {
    RedisURI uri = RedisURI.create(url);
    uri.setTimeout(commandTimeout);
    // reconnect every half second while Redis is away (the default backs off to 30 s)
    DefaultClientResources resources =
        DefaultClientResources.builder()
            .reconnectDelay(Delay.constant(Duration.ofMillis(500)))
            .build();
    RedisClient client = RedisClient.create(resources);
    client.setOptions(
        ClientOptions.builder()
            .autoReconnect(true)
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
            .build());
    RedisEngine e = new RedisEngine(client, resources, uri);
    e.connect();
    resources
        .eventExecutorGroup()
        .scheduleWithFixedDelay(
            e::check, CHECK.toMillis(), CHECK.toMillis(), TimeUnit.MILLISECONDS);
    return e;
  }

  private void connect() {
    if (closed) {
      return;
    }
    client
        .connectAsync(StringCodec.UTF8, uri)
        .whenComplete(
            (c, err) -> {
              if (err == null) {
                if (closed) {
                  c.closeAsync();
                } else {
                  connection = c;
                  answering = true;
                  log.info("connected to Redis at {}:{}", uri.getHost(), uri.getPort());
                }
                return;
              }
              if (failedConnects++ % 60 == 0) { // once a minute while it stays away
                log.warn(
                    "Redis at {}:{} is unreachable ({}); shared state is degraded until it answers",
                    uri.getHost(),
                    uri.getPort(),
                    err.getMessage());
              }
              if (!closed) {
                resources
                    .eventExecutorGroup()
                    .schedule(this::connect, RETRY.toMillis(), TimeUnit.MILLISECONDS);
              }
            });
  }

  /** The commands, or empty while no connection has been made yet. */
  public Optional<RedisAsyncCommands<String, String>> commands() {
    StatefulRedisConnection<String, String> c = connection;
    return c == null ? Optional.empty() : Optional.of(c.async());
  }

  /**
   * Whether the engine answers: connected, and its last health check answered within the command
   * timeout (a stalled or blackholed Redis keeps its socket open but is not up).
   */
  public boolean up() {
    StatefulRedisConnection<String, String> c = connection;
    return c != null && c.isOpen() && answering;
  }

  private void check() {
    StatefulRedisConnection<String, String> c = connection;
    if (c == null || closed) {
      answering = false;
      return;
    }
    c.async().ping().whenComplete((pong, e) -> answering = e == null && "PONG".equals(pong));
  }

  /** Where the engine points, without credentials, for logs and {@code /readyz}. */
  public String where() {
    return uri.getHost() + ":" + uri.getPort();
  }

  @Override
  public void close() {
    closed = true;
    StatefulRedisConnection<String, String> c = connection;
    if (c != null) {
      c.close();
    }
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    resources.shutdown(0, 2, java.util.concurrent.TimeUnit.SECONDS);
  }
}
