package dev.lmgate.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lmgate.app.cli.KeysCommandTest.Run;
import dev.lmgate.filters.auth.ApiKeys;
import dev.lmgate.filters.auth.KeyHashes;
import dev.lmgate.state.PostgresKeyStore;
import dev.lmgate.testkit.PostgresServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lmgate keys --postgres}: the operator's commands act on the keys the replicas share. */
class SharedKeysCommandTest {
  static final String PEPPER = "the replicas' pepper, at least 32 characters";
  static PostgresServer postgres;
  @TempDir Path dir;

  @BeforeAll
  static void start() {
    postgres = PostgresServer.start();
  }

  @AfterAll
  static void stop() {
    postgres.close();
  }

  @Test
  void createListAndRevokeActOnTheSharedStore() throws Exception {
    Path pepper = Files.writeString(dir.resolve("pepper"), PEPPER + "\n");
    String[] shared = {"--postgres", postgres.url(), "--pepper-file", pepper.toString()};
    Run created =
        KeysCommandTest.lmgate(
            concat(
                new String[] {"keys", "create", "--name", "svc", "--role", "developer"}, shared));
    assertThat(created.code()).isZero();
    String id = KeysCommandTest.field(created, "key id:");
    String key = KeysCommandTest.field(created, "api key:");

    try (PostgresKeyStore replica =
        PostgresKeyStore.open(
            postgres.jdbcUrl(),
            new KeyHashes(PEPPER.getBytes(StandardCharsets.UTF_8), List.of()),
            Clock.systemUTC(),
            Duration.ofMinutes(1),
            Duration.ofSeconds(5))) {
      assertThat(replica.loaded()).isTrue();
      assertThat(
              replica.verify(
                  replica.find(id).orElseThrow(), ApiKeys.parse(key).orElseThrow().secret()))
          .as("what a replica reads verifies with the shared pepper")
          .isTrue();
      assertThat(KeysCommandTest.lmgate(concat(new String[] {"keys", "list"}, shared)).out())
          .contains(id);
      assertThat(KeysCommandTest.lmgate(concat(new String[] {"keys", "revoke", id}, shared)).code())
          .isZero();
      assertThat(
              dev.lmgate.testkit.Eventually.within(
                  Duration.ofSeconds(1), () -> replica.find(id).orElseThrow().revoked() != null))
          .as("the replica sees the revocation")
          .isTrue();
    }
  }

  /** {@code lmgate keys create --name x --role developer} and the given options. */
  static int create(String... options) {
    return KeysCommandTest.lmgate(
            concat(new String[] {"keys", "create", "--name", "x", "--role", "developer"}, options))
        .code();
  }

  @Test
  void withoutThePepperOrTheDatabaseNothingIsChanged() throws Exception {
    assertThat(create("--postgres", postgres.url()))
        .as("no pepper: refused (a generated one would differ per replica)")
        .isNotZero();
    Path pepper = Files.writeString(dir.resolve("pepper"), PEPPER);
    assertThat(
            create(
                "--postgres",
                "postgresql://postgres@127.0.0.1:1/postgres",
                "--pepper-file",
                pepper.toString()))
        .as("an unreachable database: refused")
        .isNotZero();
  }

  static String[] concat(String[] a, String[] b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
