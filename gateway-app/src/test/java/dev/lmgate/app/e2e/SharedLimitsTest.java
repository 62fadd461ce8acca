package dev.lmgate.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lmgate.app.Gateway;
import dev.lmgate.app.config.ConfigLoader;
import dev.lmgate.filters.auth.FileKeyStore;
import dev.lmgate.filters.auth.KeyAdmin;
import dev.lmgate.simulator.Fixtures;
import dev.lmgate.simulator.LmStudioSimulator;
import dev.lmgate.testkit.Eventually;
import dev.lmgate.testkit.RedisServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three replicas (each its own gateway, config loader and Redis connection) behind a round robin,
 * one real Redis, one simulated LM Studio: a shared limit holds across them; while Redis is down
 * each enforces its share and says so in {@code /readyz} and {@code /metrics}; once Redis is back
 * they share again.
 */
class SharedLimitsTest {
  @TempDir Path dir;
  RedisServer redis;
  LmStudioSimulator sim;
  final List<Gateway> replicas = new ArrayList<>();
  String key;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void start() throws Exception {
    redis = RedisServer.start();
    sim = new LmStudioSimulator(Fixtures.locate());
    sim.start(0);
    Path store = dir.resolve("keys.json");
    try (FileKeyStore s = FileKeyStore.open(store, "", false)) {
      key =
          new KeyAdmin(s, Clock.systemUTC())
              .create("app", "", List.of("developer"), List.of(), null)
              .key();
    }
    for (int i = 1; i <= 3; i++) {
      String yaml =
          """
          server: {port: 0, access-log: false}
          admin: {port: 0}
          upstream: {url: %s}
          state: {redis: "%s", replica-id: r%d, replicas: 3, timeout: 100ms}
          filters:
            - id: authenticate
              api-keys: {store: "%s"}
            - id: rate-limit
              roles:
                developer: {requests: 60/1m}
          """
              .formatted(sim.baseUrl(), redis.url(), i, store.toString().replace("\\", "/"));
      ConfigLoader loader = new ConfigLoader(System::getenv);
      replicas.add(new Gateway(loader.parse(yaml), null, loader, s -> {}).start());
    }
    for (Gateway g : replicas) {
      assertThat(
              Eventually.within(
                  Duration.ofSeconds(10), () -> readyz(g).contains("\"redis\":\"up\"")))
          .isTrue();
    }
  }

  @AfterEach
  void stop() {
    replicas.forEach(Gateway::close);
    sim.close();
    redis.close();
  }

  int ask(Gateway g) {
    return ChatRequests.status(g, key);
  }

  String admin(Gateway g, String path) {
    try {
      return http.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + g.adminAddress().getPort() + path))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString())
          .body();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  String readyz(Gateway g) {
    return admin(g, "/readyz");
  }

  /** Requests round robin across the replicas: how many were admitted; every other is a 429. */
  int roundRobin(int requests) {
    int ok = 0;
    for (int i = 0; i < requests; i++) {
      int status = ask(replicas.get(i % replicas.size()));
      assertThat(status).isIn(200, 429);
      ok += status == 200 ? 1 : 0;
    }
    return ok;
  }

  @Test
  void aSharedLimitHoldsAcrossReplicasAndEachKeepsItsShareWhileRedisIsDown() throws Exception {
    long t0 = System.nanoTime();
    int admitted = roundRobin(150);
    double minutes = (System.nanoTime() - t0) / 60e9;
    // 60 a minute, shared: within 5 % (plus what refilled while the requests ran)
    assertThat(admitted).isBetween(57, 63 + (int) Math.ceil(60 * minutes));

    redis.stop();
    for (Gateway g : replicas) {
      assertThat(
              Eventually.within(
                  Duration.ofSeconds(5), () -> readyz(g).contains("\"redis\":\"down\"")))
          .isTrue();
      assertThat(readyz(g))
          .as("down, a replica enforcing its share still serves")
          .startsWith("{\"status\":\"ready\"");
      assertThat(admin(g, "/metrics")).contains("lmgate_shared_state_up{engine=\"redis\"} 0.0");
    }
    int alone = roundRobin(90);
    assertThat(alone).as("each replica enforces 60 / 3 alone").isBetween(57, 63);
    assertThat(admin(replicas.get(0), "/metrics"))
        .containsPattern("lmgate_rate_limit_degraded_total [1-9]");

    redis.restart(); // nothing is persisted: the shared buckets start full again
    for (Gateway g : replicas) {
      assertThat(
              Eventually.within(
                  Duration.ofSeconds(15), () -> readyz(g).contains("\"redis\":\"up\"")))
          .as("recovered without a restart")
          .isTrue();
    }
    int again = roundRobin(150);
    assertThat(again).isBetween(57, 63 + 3);
  }
}
