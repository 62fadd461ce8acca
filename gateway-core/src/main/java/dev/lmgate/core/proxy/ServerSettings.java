package dev.lmgate.core.proxy;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * The proxy's settings, validated by the config loader.
 *
 * @param host address to listen on
 * @param port port to listen on (0: any free port)
 * @param upstream LM Studio's base URL, {@code http://host:port}
 * @param maxRequestBytes request body limit; larger bodies get 413
 * @param maxResponseBytes limit for whole responses that response filters must buffer; larger ones
 *     get 502 (streams are never buffered)
 * @param maxSseEventBytes limit for one SSE event in an inspected stream
 * @param maxScanChars the scan budget: the most characters of text (all messages, prompts and
 *     inputs) one request may carry when filters are configured; more gets 413 {@code
 *     scan_budget_exceeded} before any filter runs. Each filter's scan is further bounded in time
 *     by its {@code timeout}.
 * @param maxScanTime the scan budget in time: every filter's scan of one request's text ends within
 *     this long after the request arrived (each filter's {@code timeout} may end it earlier); a
 *     scan that runs out follows its filter's {@code on-error}
 * @param firstByteTimeout how long LM Studio may take to start answering (models load for minutes)
 * @param idleTimeout longest silence inside a response once it started
 * @param connectTimeout TCP connect timeout to LM Studio
 * @param upstreamIdleEvict pooled upstream connections idle this long are closed (below LM Studio's
 *     5 s keep-alive, so a reused connection is never one LM Studio is closing)
 * @param drainTimeout on shutdown, how long in-flight exchanges may finish
 * @param allowWebSocket whether WebSocket upgrades (LM Studio SDK channel) are tunnelled; refused
 *     with a clear message otherwise
 * @param accessLog whether one log line per exchange is written
 * @param tls TLS for the listener (then no plaintext), or {@code null} for plain HTTP
 * @param upstreamTls trust settings for an {@code https://} upstream, or {@code null} for the JVM's
 *     CAs without pinning
 */
public record ServerSettings(
    String host,
    int port,
    URI upstream,
    int maxRequestBytes,
    int maxResponseBytes,
    int maxSseEventBytes,
    long maxScanChars,
    Duration maxScanTime,
    Duration firstByteTimeout,
    Duration idleTimeout,
    Duration connectTimeout,
    Duration upstreamIdleEvict,
    Duration drainTimeout,
    boolean allowWebSocket,
    boolean accessLog,
    dev.lmgate.core.tls.TlsSettings tls,
    dev.lmgate.core.tls.UpstreamTls upstreamTls) {

  public ServerSettings {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(upstream, "upstream");
  }

  /** 1 Mi characters: a long document (~250k tokens), more than most local models' context. */
  public static final long DEFAULT_MAX_SCAN_CHARS = 1 << 20;

  /** Defaults for a gateway on {@code 127.0.0.1:port} in front of {@code upstream}. */
  public static ServerSettings defaults(int port, URI upstream) {
    return new ServerSettings(
        "127.0.0.1",
        port,
        upstream,
        32 << 20,
        64 << 20,
        4 << 20,
        DEFAULT_MAX_SCAN_CHARS,
        Duration.ofSeconds(2),
        Duration.ofMinutes(10),
        Duration.ofMinutes(5),
        Duration.ofSeconds(5),
        Duration.ofSeconds(4),
        Duration.ofSeconds(30),
        false,
        true,
        null,
        null);
  }

  public String upstreamHost() {
    return upstream.getHost();
  }

  public int upstreamPort() {
    return upstream.getPort() > 0 ? upstream.getPort() : upstreamTlsOn() ? 443 : 80;
  }

  /** Whether LM Studio is reached over TLS ({@code https://} upstream). */
  public boolean upstreamTlsOn() {
    return "https".equals(upstream.getScheme());
  }

  /** The {@code Host} header sent upstream. */
  public String upstreamAuthority() {
    return upstream.getPort() > 0
        ? upstream.getHost() + ":" + upstream.getPort()
        : upstream.getHost();
  }

  /** The same settings listening on {@code newPort} and/or forwarding to {@code newUpstream}. */
  public ServerSettings with(int newPort, URI newUpstream) {
    return new ServerSettings(
        host,
        newPort,
        newUpstream,
        maxRequestBytes,
        maxResponseBytes,
        maxSseEventBytes,
        maxScanChars,
        maxScanTime,
        firstByteTimeout,
        idleTimeout,
        connectTimeout,
        upstreamIdleEvict,
        drainTimeout,
        allowWebSocket,
        accessLog,
        tls,
        upstreamTls);
  }
}
