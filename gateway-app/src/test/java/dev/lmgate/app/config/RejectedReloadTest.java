package dev.lmgate.app.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lmgate.app.GatewayEnvironment;
import dev.lmgate.filters.anomaly.AnomalyDetector;
import dev.lmgate.spi.ConfigException;
import java.time.Clock;
import org.junit.jupiter.api.Test;

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
}
