import dev.lmgate.filters.ratelimit.InMemoryLimitCounters;
import dev.lmgate.filters.ratelimit.LimitCounters;
import dev.lmgate.filters.ratelimit.Rate;
import dev.lmgate.state.RedisEngine;
import dev.lmgate.state.RedisLimitCounters;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * What sharing rate limits on Redis adds to a request: the time of one admission (a caller's
 * request rate, concurrency slot and token budget, checked and taken in one Lua script) and of
 * giving its slot back, against the same admission in this process's memory. One thread waits for
 * each answer (the latency a request sees); then THREADS threads admit at once over the one
 * multiplexed connection (what a busy replica sees).
 *
 *   gateway-bench/shared-state.sh        # starts redis-server on a free port, runs this, stops it
 *   java -cp gateway-app/target/lmgate.jar gateway-bench/SharedCountersBench.java redis://127.0.0.1:PORT [N] [THREADS]
 */
public class SharedCountersBench {
  static LimitCounters.Demand demand(int caller) {
    String k = "caller:key:bench" + caller;
    return new LimitCounters.Demand(
        List.of(new LimitCounters.Budget(k + ":tokens", new Rate(1_000_000_000L, Duration.ofHours(1)))),
        List.of(new LimitCounters.Slot(k + ":concurrent", 1_000)),
        List.of(new LimitCounters.Requests(k + ":requests", new Rate(1_000_000_000L, Duration.ofHours(1)))));
  }

  /** Nanoseconds of each of n admissions (and releases), one at a time. */
  static long[] sequential(LimitCounters c, int n) {
    long[] t = new long[n];
    for (int i = 0; i < n; i++) {
      long t0 = System.nanoTime();
      LimitCounters.Admission a = c.admit(demand(i % 100), t0).toCompletableFuture().join();
      t[i] = System.nanoTime() - t0;
      if (!a.admitted()) {
        throw new IllegalStateException("refused: " + a);
      }
      a.leases().forEach(c::release);
    }
    return t;
  }

  static String stats(long[] t) {
    long[] s = t.clone();
    Arrays.sort(s);
    return String.format(
        "p50 %.1f us, p99 %.1f us, p99.9 %.1f us",
        s[s.length / 2] / 1e3, s[(int) (s.length * 0.99)] / 1e3, s[(int) (s.length * 0.999)] / 1e3);
  }

  public static void main(String[] args) throws Exception {
    String url = args[0];
    int n = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
    int threads = args.length > 2 ? Integer.parseInt(args[2]) : 16;
    try (RedisEngine engine = RedisEngine.start(url, Duration.ofMillis(500))) {
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (!engine.up() && System.nanoTime() < deadline) {
        Thread.sleep(20); // the engine connects in the background: wait for its first answer
      }
      LimitCounters redis = new RedisLimitCounters(engine, "bench", Duration.ofMinutes(10), null);
      LimitCounters memory = new InMemoryLimitCounters();
      sequential(redis, n / 4); // warm-up: JIT, scripts loaded
      sequential(memory, n / 4);
      long[] r = sequential(redis, n);
      long[] m = sequential(memory, n);
      // the benchmark's report: stdout is what shared-state.sh shows the operator
      System.out.println("admission, one at a time (" + n + "):");
      System.out.println("  in memory: " + stats(m));
      System.out.println("  Redis:     " + stats(r));
      long[] added = new long[n];
      long[] rs = r.clone();
      long[] ms = m.clone();
      Arrays.sort(rs);
      Arrays.sort(ms);
      System.out.printf(
          "  added by Redis: p50 %.1f us, p99 %.1f us%n",
          (rs[n / 2] - ms[n / 2]) / 1e3, (rs[(int) (n * 0.99)] - ms[(int) (n * 0.99)]) / 1e3);
      long[][] per = new long[threads][];
      Thread[] ts = new Thread[threads];
      long t0 = System.nanoTime();
      for (int i = 0; i < threads; i++) {
        int id = i;
        ts[i] = new Thread(() -> per[id] = sequential(redis, n / threads));
        ts[i].start();
      }
      for (Thread t : ts) {
        t.join();
      }
      double secs = (System.nanoTime() - t0) / 1e9;
      long[] all = Arrays.stream(per).flatMapToLong(Arrays::stream).toArray();
      System.out.printf(
          "%d threads at once over one connection: %.0f admissions/s, %s%n",
          threads, all.length / secs, stats(all));
    }
  }
}
