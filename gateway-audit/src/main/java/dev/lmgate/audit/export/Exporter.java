package dev.lmgate.audit.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ships durable records to the configured sinks on its own thread, so that a slow SIEM never slows
 * the log. A sink that fails is retried with backoff (up to a minute) while records wait in a
 * bounded queue; when the queue is full new records are dropped and counted — the log itself keeps
 * them, and {@code lmgate audit export} re-exports any range.
 */
public final class Exporter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Exporter.class);

  private record Item(ObjectNode ecs, String severity) {}

  private static final Item STOP = new Item(null, null);

  private final List<RecordSink> sinks;
  private final BlockingQueue<Item> queue;
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong sent = new AtomicLong();
  private final Thread thread;
  private volatile boolean closing;
  private volatile boolean closed;

  public Exporter(List<RecordSink> sinks, int capacity) {
    this.sinks = List.copyOf(sinks);
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.thread = new Thread(this::run, "lmgate-audit-export");
    this.thread.setDaemon(true);
    this.thread.start();
  }

  /** Queues a durable record for export; never blocks. */
  public void publish(JsonNode record) {
    if (closing) {
      return;
    }
    ObjectNode ecs = EcsFormat.toEcs(record);
    if (!queue.offer(new Item(ecs, severity(record)))) {
      long d = dropped.incrementAndGet();
      if (Long.bitCount(d) == 1) {
        log.warn("audit export queue full: {} records dropped so far", d);
      }
    }
  }

  static String severity(JsonNode r) {
    String kind = r.path("kind").asText();
    if ("security".equals(kind)) {
      return r.path("type").asText().endsWith("succeeded") ? "info" : "warning";
    }
    if ("exchange".equals(kind) && r.path("decision").asText().startsWith("blocked")) {
      return "warning";
    }
    if ("recovery".equals(kind) || "alert".equals(kind)) {
      return "critical";
    }
    return "info";
  }

  public long dropped() {
    return dropped.get();
  }

  public long sent() {
    return sent.get();
  }

  private void run() {
    while (true) {
      Item item;
      try {
        item = queue.take();
      } catch (InterruptedException e) {
        return;
      }
      if (item == STOP) {
        return;
      }
      for (RecordSink s : sinks) {
        long backoff = 250;
        while (true) {
          try {
            s.send(item.ecs(), item.severity());
            break;
          } catch (IOException | RuntimeException e) {
            if (closed) {
              break;
            }
            log.warn(
                "audit export to {} failed, retrying in {} ms: {}",
                s.getClass().getSimpleName(),
                backoff,
                e.toString());
            try {
              Thread.sleep(backoff); // the export thread's own backoff; never a request's
            } catch (InterruptedException ie) {
              return;
            }
            backoff = Math.min(backoff * 2, TimeUnit.MINUTES.toMillis(1));
          }
        }
      }
      sent.incrementAndGet();
    }
  }

  /** Sends what is queued (for up to five seconds), then stops. */
  @Override
  public void close() {
    closing = true;
    if (!queue.offer(STOP)) {
      queue.clear();
      queue.offer(STOP);
    }
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closed = true;
    thread.interrupt();
    sinks.forEach(RecordSink::close);
  }
}
