package dev.lmgate.app.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lmgate.spi.ConfigException;
import org.junit.jupiter.api.Test;

/** The {@code state:} block: what is refused, and that a refusal never prints a password. */
class SharedStateConfigTest {
  static final String BASE = "server: {port: 0}\nupstream: {url: http://127.0.0.1:1}\n";

  static void load(String yaml) throws ConfigException {
    new ConfigLoader(k -> null).parse(BASE + yaml);
  }

  @Test
  void aBadUrlIsRefusedWithItsPasswordMasked() {
    for (String url :
        new String[] {
          "http://:s3cr/et+A==@redis.internal:6379/0",
          "redis://:s3cr/et+A==@redis.internal:6379/x",
          "redis://:p@ss@:6379"
        }) {
      assertThatThrownBy(() -> load("state: {redis: \"" + url + "\"}\n"))
          .as(url)
          .isInstanceOf(ConfigException.class)
          .hasMessageStartingWith("state.redis: ")
          .hasMessageNotContaining("s3cr")
          .hasMessageNotContaining("p@ss")
          .hasMessageContaining("***");
    }
  }

  @Test
  void redisMustFailBeforeTheRateLimitFilterDoes() {
    String filters =
        "filters:\n  - id: authenticate\n    api-keys: {}\n  - id: rate-limit\n    timeout: 80ms\n"
            + "    default: {requests: 10/1m}\n";
    assertThatThrownBy(
            () -> load("state: {redis: \"redis://127.0.0.1:1\", timeout: 50ms}\n" + filters))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("state.timeout")
        .hasMessageContaining("filters[1].timeout");
  }

  @Test
  void replicasAndTheModeAreReadFromText() throws Exception {
    SharedState.Settings s =
        SharedState.read(
            new dev.lmgate.spi.ConfigReader(
                "",
                new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(
                        "{\"state\":{\"redis\":\"redis://127.0.0.1:6379/0\",\"replicas\":\"3\","
                            + "\"when-redis-down\":\"refuse\",\"replica-id\":\"gw-a\"}}")));
    assertThat(s.replicas()).isEqualTo(3);
    assertThat(s.whenDown()).isEqualTo(SharedState.WhenDown.REFUSE);
    assertThat(s.replicaId()).isEqualTo("gw-a");
  }
}
