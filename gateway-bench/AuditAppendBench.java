import dev.lmgate.audit.checkpoint.SigningKey;
import dev.lmgate.audit.log.AuditLog;
import dev.lmgate.audit.log.LogSettings;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Durable appends per second to the audit log in strict mode: THREADS writers each append a
 * record shaped like an exchange record (~1 KiB) and wait until it is synced, for SECONDS seconds.
 * Group commit shares one fsync among the records that arrive while the previous one runs.
 *
 *   java -cp gateway-app/target/lmgate.jar gateway-bench/AuditAppendBench.java DIR [THREADS] [SECONDS]
 */
public class AuditAppendBench {
  public static void main(String[] args) throws Exception {
    Path dir = Files.createDirectories(Path.of(args[0]));
    int threads = args.length > 1 ? Integer.parseInt(args[1]) : 64;
    int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
    AtomicLong done = new AtomicLong();
    String filler = "x".repeat(700); // stands in for sealed payloads
    try (AuditLog log =
        AuditLog.open(LogSettings.defaults(dir), SigningKey.generate("bench"), Clock.systemUTC(),
            new AuditLog.Observer() {})) {
      long end = System.nanoTime() + seconds * 1_000_000_000L;
      Thread[] ts = new Thread[threads];
      for (int t = 0; t < threads; t++) {
        int id = t;
        ts[t] = new Thread(() -> {
          long i = 0;
          while (System.nanoTime() < end) {
            ObjectNode r = JsonNodeFactory.instance.objectNode();
            r.put("kind", "exchange");
            r.put("request_id", id + "-" + i++);
            r.put("time", java.time.Instant.now().toString());
            r.put("status", 200);
            r.putObject("prompt").put("ct", filler);
            try {
              log.append(r).get();
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
            done.incrementAndGet();
          }
        });
        ts[t].start();
      }
      for (Thread t : ts) {
        t.join();
      }
    }
    System.out.printf("strict durable appends: %d in %d s = %.0f/s with %d concurrent writers%n",
        done.get(), seconds, done.get() / (double) seconds, threads);
  }
}
