package dev.lmgate.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lmgate.filters.auth.KeyAdmin;
import dev.lmgate.filters.auth.KeyHashes;
import dev.lmgate.filters.auth.KeyRecord;
import dev.lmgate.testkit.Eventually;
import dev.lmgate.testkit.PostgresServer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two replicas' key stores on one real PostgreSQL 15: a key created through one authenticates on
 * the other, a revocation reaches it within a second, and an outage serves the last snapshot for
 * its max-staleness, then refuses, and recovers.
 */
class PostgresKeyStoreTest {
  static PostgresServer postgres;
  static final KeyHashes HASHES =
      new KeyHashes(
          "a pepper of at least thirty-two characters".getBytes(StandardCharsets.UTF_8), List.of());
  PostgresKeyStore a;
  PostgresKeyStore b;

  @BeforeAll
  static void startPostgres() {
    postgres = PostgresServer.start();
  }

  @AfterAll
  static void stopPostgres() {
    postgres.close();
  }

  /** A replica's store: max-staleness 2 s, a poll every 5 s besides the notifications. */
  static PostgresKeyStore replica() {
    return PostgresKeyStore.open(
        postgres.jdbcUrl(),
        HASHES,
        Clock.systemUTC(),
        Duration.ofSeconds(2),
        Duration.ofSeconds(5));
  }

  @BeforeEach
  void open() {
    postgres.restart();
    a = replica();
    b = replica();
  }

  @AfterEach
  void close() {
    a.close();
    b.close();
  }

  /** A key created through {@code on}, once {@code other} has it. */
  static KeyAdmin.Issued issued(PostgresKeyStore on, PostgresKeyStore other) throws Exception {
    KeyAdmin.Issued issued =
        new KeyAdmin(on, Clock.systemUTC())
            .create("svc", "team", List.of("developer"), List.of(), null);
    String id = issued.record().id();
    assertThat(Eventually.within(Duration.ofSeconds(1), () -> other.find(id).isPresent()))
        .as("on the other replica within a second")
        .isTrue();
    return issued;
  }

  @Test
  void aKeyMadeOnOneReplicaWorksOnTheOtherAndARevocationReachesItWithinASecond() throws Exception {
    KeyAdmin.Issued issued = issued(a, b);
    String id = issued.record().id();
    KeyRecord onB = b.find(id).orElseThrow();
    String secret = dev.lmgate.filters.auth.ApiKeys.parse(issued.key()).orElseThrow().secret();
    assertThat(b.verify(onB, secret)).as("the secret verifies on the other replica").isTrue();
    assertThat(b.verify(onB, secret.substring(1) + "x")).isFalse();

    new KeyAdmin(a, Clock.systemUTC()).revoke(id);
    assertThat(
            Eventually.within(
                Duration.ofSeconds(1),
                () -> b.find(id).map(r -> r.revoked() != null).orElse(false)))
        .as("revoked on every replica within a second (LISTEN/NOTIFY)")
        .isTrue();
  }

  @Test
  void aRemovedKeyLeavesEveryReplica() throws Exception {
    String id = issued(b, a).record().id();
    b.update(l -> l.stream().filter(r -> !r.id().equals(id)).toList());
    assertThat(Eventually.within(Duration.ofSeconds(1), () -> a.find(id).isEmpty())).isTrue();
  }

  @Test
  void anOutageServesTheSnapshotForItsMaxStalenessThenRefusesAndRecovers() throws Exception {
    // its own store, with a max-staleness longer than stopping the server takes
    try (PostgresKeyStore c =
        PostgresKeyStore.open(
            postgres.jdbcUrl(),
            HASHES,
            Clock.systemUTC(),
            Duration.ofSeconds(8),
            Duration.ofSeconds(5))) {
      String id = issued(a, c).record().id();
      postgres.stop();
      assertThat(c.find(id)).as("the snapshot still answers").isPresent();
      assertThat(c.unavailable()).isEmpty();
      assertThatThrownBy(() -> new KeyAdmin(c, Clock.systemUTC()).revoke(id))
          .as("a change is refused, not applied to one replica only")
          .isInstanceOf(IllegalStateException.class);
      assertThat(Eventually.within(Duration.ofSeconds(12), () -> c.unavailable().isPresent()))
          .as("past max-staleness, the store can no longer vouch for its keys")
          .isTrue();
      assertThat(c.unavailable().orElseThrow()).contains("max-staleness");
      assertThat(c.state()).isEqualTo("down");
      postgres.restart();
      assertThat(Eventually.within(Duration.ofSeconds(15), () -> c.unavailable().isEmpty()))
          .as("recovered without a restart")
          .isTrue();
      assertThat(Eventually.within(Duration.ofSeconds(5), () -> c.state().equals("up"))).isTrue();
    }
  }
}
