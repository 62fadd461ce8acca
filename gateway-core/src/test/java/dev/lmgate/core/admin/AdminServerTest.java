package dev.lmgate.core.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The admin port keeps its probes apart from admin work: health, readiness and metrics answer while
 * a slow operation runs, and operations beyond the pool and its queue are refused at once.
 */
class AdminServerTest {
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  final CountDownLatch entered = new CountDownLatch(1);
  final CountDownLatch release = new CountDownLatch(1);
  AdminServer admin;
  int port;

  /** A route that holds its thread until the test releases it: a slow {@code /audit/verify}. */
  AdminServer.Route slow() {
    return (method, path, headers, body, client) -> {
      entered.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return new AdminServer.Answer(200, "{\"intact\":true}");
    };
  }

  void start(AdminServer.Options options) throws Exception {
    admin =
        new AdminServer("127.0.0.1", 0, new GatewayMetrics(), () -> true, options)
            .route("/audit", slow());
    port = admin.start().getPort();
  }

  @AfterEach
  void stop() {
    release.countDown();
    if (admin != null) {
      admin.close();
    }
  }

  HttpRequest.Builder request(String path) {
    // the timeout only keeps a broken build from hanging: no assertion depends on it
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(30));
  }

  HttpResponse<String> get(String path) throws Exception {
    return http.send(request(path).build(), HttpResponse.BodyHandlers.ofString());
  }

  CompletableFuture<HttpResponse<String>> verifyAsync() {
    return http.sendAsync(
        request("/audit/verify").POST(HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void readinessHealthAndMetricsAnswerWhileASlowAdminOperationRuns() throws Exception {
    start(AdminServer.Options.DEFAULTS);
    CompletableFuture<HttpResponse<String>> verify = verifyAsync();
    entered.await(); // the operation holds an admin thread now

    HttpResponse<String> ready = get("/readyz");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.body()).contains("\"ready\"");
    assertThat(get("/healthz").statusCode()).isEqualTo(200);
    assertThat(get("/metrics").statusCode()).isEqualTo(200);
    assertThat(verify).as("the operation is still running").isNotDone();

    release.countDown();
    assertThat(verify.join().statusCode()).isEqualTo(200);
  }

  @Test
  void anOperationBeyondTheBusyPoolAndItsQueueIsRefusedAtOnceWithRetryAfter() throws Exception {
    start(new AdminServer.Options(null, null, 1, 0));
    CompletableFuture<HttpResponse<String>> verify = verifyAsync();
    entered.await();

    HttpResponse<String> busy =
        http.send(
            request("/audit/verify").POST(HttpRequest.BodyPublishers.noBody()).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(busy.statusCode()).isEqualTo(503);
    assertThat(busy.body()).contains("\"code\":\"admin_busy\"").startsWith("{\"error\":");
    assertThat(busy.headers().firstValue("retry-after")).contains("1");
    assertThat(verify).isNotDone();

    release.countDown();
    assertThat(verify.join().statusCode()).isEqualTo(200);
    assertThat(
            http.send(
                    request("/audit/verify").POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString())
                .statusCode())
        .as("served again once the pool is free")
        .isEqualTo(200);
  }

  @Test
  void metricsAreRefusedWhenTheGuardSaysSoAndHealthStaysOpen() throws Exception {
    start(
        new AdminServer.Options(
            null,
            headers ->
                "Bearer scrape".equals(headers.get("authorization"))
                    ? Optional.empty()
                    : Optional.of(
                        new AdminServer.Answer(
                            401,
                            "{\"error\":{\"message\":\"no\",\"type\":\"invalid_request_error\",\"code\":\"unauthorized\"}}")),
            1,
            1));
    assertThat(get("/metrics").statusCode()).isEqualTo(401);
    assertThat(get("/metrics").body()).contains("\"code\":\"unauthorized\"");
    HttpResponse<String> scraped =
        http.send(
            request("/metrics").header("authorization", "Bearer scrape").build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(scraped.statusCode()).isEqualTo(200);
    assertThat(get("/healthz").statusCode()).isEqualTo(200);
  }
}
