package dev.lmgate.app.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lmgate.app.Gateway;
import dev.lmgate.filters.anomaly.AnomalyDetector;
import dev.lmgate.simulator.Fixtures;
import dev.lmgate.simulator.LmStudioSimulator;
import dev.lmgate.spi.ConfigException;
import dev.lmgate.spi.SecurityEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading a config changes nothing running until it is accepted; a rejected one never does. */
class RejectedReloadTest {
  private static String config(int authFailures, String more) {
    return """
        filters:
          - id: anomaly-detection
            window: 5m
            auth-failures: %d
        %s
        """
        .formatted(authFailures, more);
  }

  @Test
  void aRejectedReloadLeavesTheSharedAnomalyThresholdsAsTheyWere() throws Exception {
    GatewayEnvironment env = new GatewayEnvironment(Clock.systemUTC());
    ConfigLoader loader = new ConfigLoader(k -> null, env);
    loader.parse(config(10, ""));
    env.accepted(); // the gateway starts with it
    AnomalyDetector detector =
        env.shared("anomaly", AnomalyDetector.class, () -> null); // created by the first load
    assertThat(detector.settings().authFailures()).isEqualTo(10);

    // a reload whose anomaly settings are fine but whose next filter is not: rejected
    assertThatThrownBy(() -> loader.parse(config(1, "  - id: no-such-filter")))
        .isInstanceOf(ConfigException.class);
    assertThat(detector.settings().authFailures())
        .as("the rejected config's thresholds never took effect")
        .isEqualTo(10);

    // a valid config only checked (parsed, never accepted) changes nothing either ...
    loader.parse(config(3, ""));
    assertThat(detector.settings().authFailures()).isEqualTo(10);
    // ... and what it left pending is dropped when the next config starts loading
    loader.parse(config(7, ""));
    env.accepted();
    assertThat(detector.settings().authFailures()).isEqualTo(7);
  }

  @TempDir Path dir;

  /**
   * Through the gateway's own reload: an accepted file applies its thresholds; a rejected file that
   * would add a detector the running config does not have starts none.
   */
  @Test
  void theGatewaysReloadAppliesAcceptedChangesAndStartsNothingForARejectedFile() throws Exception {
    try (LmStudioSimulator sim = new LmStudioSimulator(Fixtures.locate())) {
      sim.start(0);
      String base =
          "server:\n  port: 0\n  access-log: false\nadmin:\n  enabled: false\nupstream:\n  url: "
              + sim.baseUrl()
              + "\n";
      Path file = dir.resolve("gateway.yaml");
      Files.writeString(file, base + "filters: []\n");
      GatewayEnvironment env = new GatewayEnvironment(Clock.systemUTC());
      List<SecurityEvent> seen = new CopyOnWriteArrayList<>();
      env.attach(seen::add);
      ConfigLoader loader = new ConfigLoader(k -> null, env);
      try (Gateway gw = new Gateway(loader.load(file), file, loader, s -> {}).start()) {
        // a detector with a hair trigger, and a filter that does not exist: rejected
        Files.writeString(
            file,
            base
                + "filters:\n  - id: anomaly-detection\n    auth-failures: 1\n"
                + "  - id: no-such-filter\n");
        assertThat(gw.reload()).isFalse();
        failedLogins(env, 3);
        assertThat(seen)
            .as("no detector runs for a config that was rejected")
            .noneMatch(e -> e.type() == SecurityEvent.Type.ANOMALY);

        Files.writeString(
            file, base + "filters:\n  - id: anomaly-detection\n    auth-failures: 2\n");
        assertThat(gw.reload()).isTrue();
        AnomalyDetector detector = env.shared("anomaly", AnomalyDetector.class, () -> null);
        assertThat(detector.settings().authFailures()).isEqualTo(2);
        failedLogins(env, 3);
        assertThat(seen)
            .as("the accepted config's detector runs")
            .anyMatch(e -> e.type() == SecurityEvent.Type.ANOMALY);
      }
    }
  }

  private static void failedLogins(GatewayEnvironment env, int n) {
    for (int i = 0; i < n; i++) {
      env.events()
          .emit(
              new SecurityEvent(
                  Instant.now(),
                  SecurityEvent.Type.AUTHENTICATION_FAILED,
                  "wrong_secret",
                  "req-" + i,
                  "",
                  "openai-chat",
                  "10.0.0.7:5000",
                  "claimed key:k1"));
    }
  }
}
