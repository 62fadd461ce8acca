package dev.lmgate.app.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lmgate.spi.ConfigException;
import dev.lmgate.spi.SecurityEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Secret settings resolved for filters, and a failed refresh reported as a security event. */
class GatewayEnvironmentTest {
  @TempDir Path tmp;

  @Test
  void aFailedRefreshKeepsTheLastValueAndBecomesASecurityEventWithoutTheValue() throws Exception {
    Path f = tmp.resolve("pepper");
    Files.writeString(f, "pepper-value-0123456789abcdef0123456789\n");
    List<SecurityEvent> events = new CopyOnWriteArrayList<>();
    try (GatewayEnvironment env = new GatewayEnvironment(Clock.systemUTC())) {
      env.attach(events::add);
      env.useSecrets(SecretSettings.DEFAULTS, k -> null);
      String ref = "${secret:file:" + f + "}";
      assertThat(env.secret("filters[0].api-keys.pepper", ref).reveal())
          .isEqualTo("pepper-value-0123456789abcdef0123456789");
      Files.delete(f);
      env.secrets().refreshAll();
      assertThat(env.secret("filters[0].api-keys.pepper", ref).reveal())
          .as("the last good value stays")
          .isEqualTo("pepper-value-0123456789abcdef0123456789");
      assertThat(events).hasSize(1);
      SecurityEvent e = events.get(0);
      assertThat(e.type()).isEqualTo(SecurityEvent.Type.SECRET_REFRESH_FAILED);
      assertThat(e.detail()).startsWith("file:" + f).doesNotContain("pepper-value");
    }
  }

  @Test
  void plainValuesAreRefusedUnlessAllowedAndUnreadableSecretsNameTheSetting() throws Exception {
    try (GatewayEnvironment env = new GatewayEnvironment(Clock.systemUTC())) {
      env.useSecrets(SecretSettings.DEFAULTS, k -> null);
      assertThatThrownBy(() -> env.secret("audit.signing-key", "PRIVATE+KEY+abc"))
          .isInstanceOf(ConfigException.class)
          .hasMessageStartingWith("audit.signing-key: *** (expected: a secret reference")
          .hasMessageNotContaining("PRIVATE");
      assertThatThrownBy(() -> env.secret("upstream.api-key", "${secret:env:NOT_SET}"))
          .isInstanceOf(ConfigException.class)
          .hasMessage(
              "upstream.api-key: env:NOT_SET (expected: a readable secret (environment variable"
                  + " NOT_SET is not set))");
    }
  }
}
