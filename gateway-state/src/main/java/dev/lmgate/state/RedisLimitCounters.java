package dev.lmgate.state;

import dev.lmgate.filters.ratelimit.LimitCounters;
import dev.lmgate.filters.ratelimit.Rate;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rate-limit counters every replica shares, in Redis: token buckets and concurrency leases updated
 * by Lua scripts on Redis's own clock ({@code TIME}), so replicas with skewed clocks agree and an
 * admission is one round trip, all or nothing. A concurrency slot is a lease in a sorted set that
 * expires after {@code leaseTtl} if its replica dies without returning it.
 *
 * <p>When Redis cannot answer (not connected, a command timed out, an error), admissions go to the
 * {@code fallback} — this replica's own counters at its share of each limit — or, without one, fail
 * (the filter's {@code on-error} then decides). Each answer from either side is counted ({@link
 * #degradedAdmissions}) and the engine's state is visible ({@link RedisEngine#up}). Recovery needs
 * nothing: the next admission tries Redis again.
 *
 * <p>Keys share one hash tag ({@code lmgate:{limits}:…}) so that a script's keys sit in one slot of
 * a Redis Cluster.
 */
public final class RedisLimitCounters implements LimitCounters {
  private static final Logger log = LoggerFactory.getLogger(RedisLimitCounters.class);

  static final String PREFIX = "lmgate:{limits}:";
  private static final String REDIS_LEASE = "r:";
  private static final String LOCAL_LEASE = "l:";

  private final java.util.function.Supplier<RedisEngine> engine;
  private final String replicaId;
  private final Duration leaseTtl;
  private final LimitCounters fallback;
  private final Script admit = new Script("admit.lua");
  private final Script charge = new Script("charge.lua");
  private final AtomicLong leases = new AtomicLong();

  /** Makes lease ids unique across processes, even two replicas configured with one name. */
  private final String nonce =
      Long.toHexString(new java.security.SecureRandom().nextLong() & Long.MAX_VALUE);

  /** Releases Redis could not take when they were made: sent again once it answers. */
  private final java.util.concurrent.ConcurrentLinkedQueue<String[]> unreleased =
      new java.util.concurrent.ConcurrentLinkedQueue<>();

  private final java.util.concurrent.atomic.AtomicInteger unreleasedCount =
      new java.util.concurrent.atomic.AtomicInteger();

  /** Releases kept for later at most; older ones are left to their leases' expiry. */
  static final int MAX_UNRELEASED = 100_000;

  private final AtomicLong degraded = new AtomicLong();
  private volatile boolean warned;

  /**
   * @param replicaId names this replica's leases
   * @param leaseTtl how long a concurrency slot is held at most (a longer request loses it early)
   * @param fallback counters used while Redis cannot answer, or null to fail instead
   */
  public RedisLimitCounters(
      RedisEngine engine, String replicaId, Duration leaseTtl, LimitCounters fallback) {
    this(() -> engine, replicaId, leaseTtl, fallback);
  }

  /**
   * @param engine the engine, started when first asked for (offline tools that build the filters
   *     but admit nothing never connect)
   */
  public RedisLimitCounters(
      java.util.function.Supplier<RedisEngine> engine,
      String replicaId,
      Duration leaseTtl,
      LimitCounters fallback) {
    this.engine = engine;
    this.replicaId = replicaId;
    this.leaseTtl = leaseTtl;
    this.fallback = fallback;
  }

  /** Admissions decided without Redis since start: by the fallback, or refused as failed. */
  public long degradedAdmissions() {
    return degraded.get();
  }

  @Override
  public CompletionStage<Admission> admit(Demand demand, long nowNanos) {
    Optional<RedisAsyncCommands<String, String>> c = engine.get().commands();
    if (c.isEmpty()) {
      return degrade(demand, nowNanos, "not connected");
    }
    List<String> keys = new ArrayList<>();
    List<String> args = new ArrayList<>();
    args.add(Integer.toString(demand.budgets().size()));
    args.add(Integer.toString(demand.slots().size()));
    args.add(Integer.toString(demand.requests().size()));
    args.add(Long.toString(leaseTtl.toMillis()));
    String lease = replicaId + ":" + nonce + ":" + leases.incrementAndGet();
    args.add(lease);
    for (Budget b : demand.budgets()) {
      keys.add(PREFIX + b.key());
      bucketArgs(args, b.rate());
    }
    for (Slot s : demand.slots()) {
      keys.add(PREFIX + s.key());
      args.add(Integer.toString(s.max()));
    }
    for (Requests r : demand.requests()) {
      keys.add(PREFIX + r.key());
      bucketArgs(args, r.rate());
    }
    return admit
        .run(c.get(), keys, args)
        .handle(
            (List<Object> r, Throwable e) -> {
              if (e != null) {
                // the script may still have run (a timeout is not a refusal): give back what it
                // would have taken, after it, on the same connection
                for (Slot s : demand.slots()) {
                  zrem(PREFIX + s.key(), lease);
                }
                return degrade(demand, nowNanos, e.getMessage());
              }
              warned = false;
              releaseLater();
              return CompletableFuture.completedFuture(answer(r, demand, lease));
            })
        .thenCompose(x -> x);
  }

  private static void bucketArgs(List<String> args, Rate rate) {
    args.add(Long.toString(rate.amount()));
    args.add(Long.toString(Math.max(1, rate.window().toMillis())));
  }

  private static Admission answer(List<Object> r, Demand demand, String lease) {
    if (((Long) r.get(0)) == 1L) {
      List<String> held = new ArrayList<>();
      for (Slot s : demand.slots()) {
        held.add(REDIS_LEASE + PREFIX + s.key() + "\n" + lease);
      }
      return Admission.admitted(held);
    }
    Refusal kind =
        switch (((Long) r.get(1)).intValue()) {
          case 1 -> Refusal.BUDGET;
          case 2 -> Refusal.SLOT;
          default -> Refusal.REQUESTS;
        };
    return Admission.refused(
        kind, ((Long) r.get(2)).intValue() - 1, ((Long) r.get(3)) * 1_000_000L);
  }

  private CompletionStage<Admission> degrade(Demand demand, long nowNanos, String why) {
    degraded.incrementAndGet();
    if (!warned) {
      warned = true;
      log.warn(
          "shared rate limits unavailable ({}): {}",
          why,
          fallback == null ? "requests are refused" : "this replica enforces its share alone");
    }
    if (fallback == null) {
      return CompletableFuture.failedFuture(
          new IllegalStateException("shared rate-limit counters unavailable: " + why));
    }
    return fallback
        .admit(demand, nowNanos)
        .thenApply(
            a ->
                a.admitted()
                    ? Admission.admitted(a.leases().stream().map(l -> LOCAL_LEASE + l).toList())
                    : a);
  }

  @Override
  public void release(String lease) {
    if (lease.startsWith(LOCAL_LEASE)) {
      fallback.release(lease.substring(LOCAL_LEASE.length()));
      return;
    }
    int nl = lease.lastIndexOf('\n'); // a key may hold a line break (a role name); an id does not
    if (!lease.startsWith(REDIS_LEASE) || nl < 0) {
      return;
    }
    zrem(lease.substring(REDIS_LEASE.length(), nl), lease.substring(nl + 1));
  }

  /** Removes a lease; if Redis cannot take it now, it is sent again once Redis answers. */
  private void zrem(String key, String id) {
    Optional<RedisAsyncCommands<String, String>> c = engine.get().commands();
    if (c.isEmpty()) {
      keepForLater(key, id);
      return;
    }
    c.get()
        .zrem(key, id)
        .whenComplete(
            (n, e) -> {
              if (e != null) {
                keepForLater(key, id);
              }
            });
  }

  private void keepForLater(String key, String id) {
    if (unreleasedCount.incrementAndGet() > MAX_UNRELEASED) {
      unreleasedCount.decrementAndGet();
      return; // its lease expires on its own
    }
    unreleased.add(new String[] {key, id});
  }

  /** Sends the releases kept while Redis did not answer. */
  private void releaseLater() {
    for (String[] r; (r = unreleased.poll()) != null; ) {
      unreleasedCount.decrementAndGet();
      zrem(r[0], r[1]);
    }
  }

  @Override
  public void charge(String key, Rate rate, long amount, long nowNanos) {
    Optional<RedisAsyncCommands<String, String>> c = engine.get().commands();
    List<String> args = new ArrayList<>();
    args.add(Long.toString(amount));
    bucketArgs(args, rate);
    if (c.isEmpty()) {
      if (fallback != null) {
        fallback.charge(key, rate, amount, nowNanos);
      }
      return;
    }
    charge
        .run(c.get(), List.of(PREFIX + key), args)
        .whenComplete(
            (r, e) -> {
              if (e != null && fallback != null) {
                fallback.charge(key, rate, amount, nowNanos);
              }
            });
  }

  /** A Lua script run by its digest, loaded again when Redis does not know it (a restart). */
  private static final class Script {
    private final String source;
    private final String sha;

    Script(String resource) {
      try (InputStream in = RedisLimitCounters.class.getResourceAsStream(resource)) {
        source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      sha = sha1(source);
    }

    CompletionStage<List<Object>> run(
        RedisAsyncCommands<String, String> c, List<String> keys, List<String> args) {
      String[] k = keys.toArray(String[]::new);
      String[] a = args.toArray(String[]::new);
      CompletionStage<List<Object>> bySha =
          c.<List<Object>>evalsha(sha, ScriptOutputType.MULTI, k, a);
      return bySha
          .handle(
              (r, e) -> {
                if (e == null) {
                  return CompletableFuture.completedFuture(r);
                }
                if (String.valueOf(e.getMessage()).contains("NOSCRIPT")) {
                  return c.<List<Object>>eval(source, ScriptOutputType.MULTI, k, a);
                }
                return CompletableFuture.<List<Object>>failedFuture(e);
              })
          .thenCompose(x -> x);
    }

    private static String sha1(String s) {
      try {
        return java.util.HexFormat.of()
            .formatHex(
                java.security.MessageDigest.getInstance("SHA-1")
                    .digest(s.getBytes(StandardCharsets.UTF_8)));
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
