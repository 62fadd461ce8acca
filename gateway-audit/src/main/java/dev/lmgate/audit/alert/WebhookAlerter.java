package dev.lmgate.audit.alert;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lmgate.spi.WebhookSignature;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts alerts as JSON to a webhook. The body is signed: {@code X-Lmgate-Signature: sha256=<hex
 * HMAC-SHA256(secret, timestamp + "." + body)>} with {@code X-Lmgate-Timestamp} (Unix seconds), so
 * the receiver can check origin and freshness. A failed delivery (no answer, or a status other than
 * 2xx) is retried after 1, 2, 4, 8 and 16 seconds, then given up and logged.
 */
public final class WebhookAlerter implements AlertSink, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WebhookAlerter.class);
  private static final ObjectMapper MAPPER = new ObjectMapper();
  static final int ATTEMPTS = 6;

  private final URI url;
  private final byte[] secret;
  private final HttpClient http;
  private final ScheduledExecutorService retries;
  private final Duration firstBackoff;
  private final AtomicInteger pending = new AtomicInteger();
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();

  public WebhookAlerter(URI url, byte[] secret, Duration firstBackoff) {
    this.url = url;
    this.secret = secret.clone();
    this.firstBackoff = firstBackoff;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1) // no h2c upgrade dance with plain-HTTP receivers
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    this.retries =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "lmgate-alert-webhook");
              t.setDaemon(true);
              return t;
            });
  }

  @Override
  public void raise(Alert alert) {
    ObjectNode n = MAPPER.createObjectNode();
    n.put("alert", alert.name());
    n.put("severity", alert.severity());
    n.put("time", alert.time().toString());
    n.put("summary", alert.summary());
    n.put("source", "lmgate");
    byte[] body;
    try {
      body = MAPPER.writeValueAsBytes(n);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    log.warn("ALERT {} ({}): {}", alert.name(), alert.severity(), alert.summary());
    pending.incrementAndGet();
    retries.execute(() -> attempt(body, 1));
  }

  private void attempt(byte[] body, int n) {
    String ts = Long.toString(System.currentTimeMillis() / 1000);
    HttpRequest req =
        HttpRequest.newBuilder(url)
            .timeout(Duration.ofSeconds(10))
            .header("content-type", "application/json")
            .header(WebhookSignature.TIMESTAMP_HEADER, ts)
            .header(WebhookSignature.SIGNATURE_HEADER, WebhookSignature.header(secret, ts, body))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build();
    http.sendAsync(req, HttpResponse.BodyHandlers.discarding())
        .whenComplete(
            (res, err) -> {
              if (err == null && res.statusCode() / 100 == 2) {
                delivered.incrementAndGet();
                pending.decrementAndGet();
                return;
              }
              String why = err != null ? err.toString() : "status " + res.statusCode();
              if (n >= ATTEMPTS || retries.isShutdown()) {
                failed.incrementAndGet();
                pending.decrementAndGet();
                log.error("alert webhook gave up after {} attempts: {}", n, why);
                return;
              }
              long delay = firstBackoff.toMillis() << (n - 1);
              try {
                retries.schedule(() -> attempt(body, n + 1), delay, TimeUnit.MILLISECONDS);
              } catch (java.util.concurrent.RejectedExecutionException e) {
                pending.decrementAndGet();
              }
            });
  }

  public long delivered() {
    return delivered.get();
  }

  public long failed() {
    return failed.get();
  }

  /** Waits up to five seconds for deliveries in progress, then stops retrying. */
  @Override
  public void close() {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (pending.get() > 0 && System.nanoTime() < end) {
      try {
        Thread.sleep(20); // shutdown only: waits for deliveries in flight, bounded above
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    retries.shutdownNow();
  }
}
