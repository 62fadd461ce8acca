package dev.lmgate.filters.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lmgate.filters.RecordingEvents;
import dev.lmgate.filters.TestRequest;
import dev.lmgate.spi.ConfigException;
import dev.lmgate.spi.FilterEnvironment;
import dev.lmgate.spi.FilterSettings;
import dev.lmgate.spi.GatewayFilter;
import dev.lmgate.spi.Secret;
import dev.lmgate.spi.SecurityEventSink;
import dev.lmgate.spi.Verdict;
import dev.lmgate.testkit.FakeClock;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API-key pepper comes from a secret reference and keeps its previous versions: after a pepper
 * change, keys hashed under the old one still authenticate while it is listed.
 */
class PepperRotationTest {
  static final String OLD = "old-pepper-0123456789abcdef0123456789";
  static final String NEW = "new-pepper-fedcba9876543210fedcba9876";

  @TempDir Path dir;
  final FakeClock clock = new FakeClock(Instant.parse("2026-11-25T12:00:00Z"));

  /** Resolves {@code ${secret:env:NAME}} from a map, as the gateway's secrets would. */
  static FilterEnvironment withSecrets(Clock clock, Map<String, String> vars) {
    FilterEnvironment base = FilterEnvironment.of(clock, new RecordingEvents());
    return new FilterEnvironment() {
      @Override
      public Clock clock() {
        return base.clock();
      }

      @Override
      public SecurityEventSink events() {
        return base.events();
      }

      @Override
      public <T> T shared(String key, Class<T> type, Supplier<T> create) {
        return base.shared(key, type, create);
      }

      @Override
      public Secret secret(String setting, String value) throws ConfigException {
        String name = value.replaceAll("^\\$\\{secret:env:(\\w+)}$", "$1");
        if (name.equals(value)) {
          throw new ConfigException(setting, "***", "a secret reference");
        }
        return Secret.of(vars.get(name));
      }
    };
  }

  GatewayFilter filter(Path store, String keysJson, FilterEnvironment env) throws Exception {
    return new AuthenticateFilter.Factory()
        .create(
            "filters[0]",
            new ObjectMapper()
                .readTree(
                    "{\"api-keys\":{\"store\":\""
                        + store.toString().replace("\\", "/")
                        + "\""
                        + keysJson
                        + "}}"),
            FilterSettings.defaults(FilterSettings.Action.BLOCK),
            env);
  }

  Verdict.Kind call(GatewayFilter f, String key) {
    return f.onRequest(TestRequest.chat("m").header("Authorization", "Bearer " + key))
        .toCompletableFuture()
        .join()
        .kind();
  }

  @Test
  void keysHashedUnderThePreviousPepperStillAuthenticateWhileItIsListed() throws Exception {
    Path store = dir.resolve("keys.json");
    String key;
    try (FileKeyStore admin = FileKeyStore.open(store, OLD, false)) {
      key =
          new KeyAdmin(admin, clock).create("ci", "", List.of("developer"), List.of(), null).key();
    }
    FilterEnvironment env = withSecrets(clock, Map.of("PEPPER", NEW, "OLD_PEPPER", OLD));
    GatewayFilter rotated =
        filter(
            store,
            ",\"pepper\":\"${secret:env:PEPPER}\",\"previous-peppers\":[\"${secret:env:OLD_PEPPER}\"]",
            env);
    assertThat(call(rotated, key)).isEqualTo(Verdict.Kind.PASS);
    assertThat(call(rotated, key + "x")).isEqualTo(Verdict.Kind.BLOCK);

    GatewayFilter forgotten = filter(store, ",\"pepper\":\"${secret:env:PEPPER}\"", env);
    assertThat(call(forgotten, key)).as("without the old pepper").isEqualTo(Verdict.Kind.BLOCK);

    // a key issued after the change is hashed under the new pepper
    String fresh;
    try (FileKeyStore admin = FileKeyStore.open(store, NEW, false)) {
      fresh =
          new KeyAdmin(admin, clock).create("new", "", List.of("developer"), List.of(), null).key();
    }
    GatewayFilter again = filter(store, ",\"pepper\":\"${secret:env:PEPPER}\"", env);
    long deadline = System.nanoTime() + 2_000_000_000L;
    while (call(again, fresh) != Verdict.Kind.PASS && System.nanoTime() < deadline) {
      Thread.sleep(50); // the store polls its file every 250 ms
    }
    assertThat(call(again, fresh)).isEqualTo(Verdict.Kind.PASS);
  }

  @Test
  void aPlainPepperIsRefusedWithoutPrintingIt() {
    assertThatThrownBy(
            () ->
                filter(
                    dir.resolve("keys.json"),
                    ",\"pepper\":\"" + NEW + "\"",
                    withSecrets(clock, Map.of())))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("filters[0].api-keys.pepper: ***")
        .hasMessageNotContaining(NEW);
  }
}
