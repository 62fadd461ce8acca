package dev.lmgate.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lmgate.app.Gateway;
import dev.lmgate.app.config.ConfigLoader;
import dev.lmgate.filters.auth.KeyAdmin;
import dev.lmgate.filters.auth.KeyHashes;
import dev.lmgate.simulator.Fixtures;
import dev.lmgate.simulator.LmStudioSimulator;
import dev.lmgate.state.PostgresKeyStore;
import dev.lmgate.testkit.Eventually;
import dev.lmgate.testkit.PostgresServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two replicas (each its own gateway, config loader and database connections) whose API keys live
 * in one real PostgreSQL: a key made once works on both, and its revocation reaches both within a
 * second, without a shared file or a restart.
 */
class SharedKeysTest {
  static final String PEPPER = "a pepper every replica shares, 32+ characters";
  static final String TOKEN = "admin-token-" + System.nanoTime();
  PostgresServer postgres;
  LmStudioSimulator sim;
  final List<Gateway> replicas = new ArrayList<>();
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void start() throws Exception {
    postgres = PostgresServer.start();
    sim = new LmStudioSimulator(Fixtures.locate());
    sim.start(0);
    for (int i = 1; i <= 2; i++) {
      String yaml =
          """
          server: {port: 0, access-log: false}
          admin: {port: 0, token: "${secret:env:ADMIN_TOKEN}"}
          upstream: {url: %s}
          state: {postgres: "%s", replica-id: r%d}
          filters:
            - id: authenticate
              api-keys: {pepper: "${secret:env:KEY_PEPPER}", stale-after: 5s}
          """
              .formatted(sim.baseUrl(), postgres.url(), i);
      ConfigLoader loader =
          new ConfigLoader(
              k -> "KEY_PEPPER".equals(k) ? PEPPER : "ADMIN_TOKEN".equals(k) ? TOKEN : null);
      replicas.add(new Gateway(loader.parse(yaml), null, loader, s -> {}).start());
    }
  }

  @AfterEach
  void stop() {
    replicas.forEach(Gateway::close);
    sim.close();
    postgres.close();
  }

  int ask(Gateway g, String key) {
    return ChatRequests.status(g, key);
  }

  @Test
  void aKeyMadeOnceWorksOnEveryReplicaAndItsRevocationReachesThemAllWithinASecond()
      throws Exception {
    try (PostgresKeyStore operator =
        PostgresKeyStore.open(
            postgres.jdbcUrl(),
            new KeyHashes(PEPPER.getBytes(StandardCharsets.UTF_8), List.of()),
            Clock.systemUTC(),
            Duration.ofSeconds(5),
            Duration.ofSeconds(5))) {
      KeyAdmin admin = new KeyAdmin(operator, Clock.systemUTC());
      KeyAdmin.Issued issued = admin.create("app", "", List.of("developer"), List.of(), null);
      for (Gateway g : replicas) {
        assertThat(Eventually.within(Duration.ofSeconds(2), () -> ask(g, issued.key()) == 200))
            .as("the key works on every replica")
            .isTrue();
      }
      admin.revoke(issued.record().id());
      for (Gateway g : replicas) {
        assertThat(Eventually.within(Duration.ofSeconds(1), () -> ask(g, issued.key()) == 401))
            .as("revoked on every replica within a second")
            .isTrue();
      }
    }
  }

  @Test
  void aKeyCreatedThroughOneReplicasAdminApiWorksOnTheOther() throws Exception {
    HttpResponse<String> created =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:" + replicas.get(0).adminAddress().getPort() + "/keys"))
                .header("authorization", "Bearer " + TOKEN)
                .header("x-lmgate-operator", "carol")
                .header("content-type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"name\":\"svc\",\"roles\":[\"developer\"]}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
    String key =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(created.body())
            .path("key")
            .asText();
    assertThat(Eventually.within(Duration.ofSeconds(2), () -> ask(replicas.get(1), key) == 200))
        .as("made on one replica, accepted by the other")
        .isTrue();
  }

  String readyz(Gateway g) {
    return admin(g, "/readyz");
  }

  String admin(Gateway g, String path) {
    try {
      return http.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + g.adminAddress().getPort() + path))
                  .build(),
              HttpResponse.BodyHandlers.ofString())
          .body();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void readinessSaysWhenTheKeyStoreCanNoLongerVouchAndWhenItRecovers() throws Exception {
    Gateway g = replicas.get(0);
    assertThat(admin(g, "/metrics")).contains("lmgate_shared_state_up{engine=\"postgres\"} 1.0");
    assertThat(
            Eventually.within(
                Duration.ofSeconds(5), () -> readyz(g).contains("\"postgres\":\"up\"")))
        .isTrue();
    postgres.stop();
    assertThat(readyz(g))
        .as("stopped, the snapshot still serves (up or stale, not down)")
        .startsWith("{\"status\":\"ready\"")
        .doesNotContain("\"postgres\":\"down\"");
    assertThat(
            Eventually.within(
                Duration.ofSeconds(8), () -> readyz(g).contains("\"postgres\":\"down\"")))
        .as("past stale-after (5 s)")
        .isTrue();
    assertThat(readyz(g)).contains("\"reason\":\"postgres is down\"");
    assertThat(admin(g, "/metrics")).contains("lmgate_shared_state_up{engine=\"postgres\"} 0.0");
    postgres.restart();
    assertThat(
            Eventually.within(
                Duration.ofSeconds(15), () -> readyz(g).contains("\"postgres\":\"up\"")))
        .as("recovered")
        .isTrue();
  }
}
