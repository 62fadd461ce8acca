package dev.lmgate.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lmgate.spi.Secret;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RefreshingSecretTest {
  @Test
  void aVerifyingSecretStopsCountingOnceItsStoreHasNotConfirmedItForMaxAge() throws Exception {
    AtomicLong now = new AtomicLong();
    AtomicBoolean storeDown = new AtomicBoolean();
    SecretProvider store =
        new SecretProvider() {
          @Override
          public String scheme() {
            return "test";
          }

          @Override
          public Secret fetch(SecretRef ref) throws IOException {
            if (storeDown.get()) {
              throw new IOException("unreachable");
            }
            return Secret.of("token-1");
          }
        };
    RefreshingSecret s =
        new RefreshingSecret(SecretRef.parse("env:ADMIN"), store, Secret.of("token-1"), now::get);
    Duration maxAge = Duration.ofMinutes(10);
    assertThat(s.confirmedWithin(maxAge).reveal()).isEqualTo("token-1");

    storeDown.set(true);
    now.addAndGet(Duration.ofMinutes(9).toNanos());
    assertThatThrownBy(s::refresh).isInstanceOf(IOException.class);
    assertThat(s.confirmedWithin(maxAge)).as("within the bound").isNotNull();
    now.addAndGet(Duration.ofMinutes(2).toNanos());
    assertThat(s.confirmedWithin(maxAge)).as("stale: no longer verifies anyone").isNull();
    assertThat(s.get().reveal())
        .as("what the gateway presents keeps its value")
        .isEqualTo("token-1");

    storeDown.set(false);
    s.refresh();
    assertThat(s.confirmedWithin(maxAge)).as("confirmed again").isNotNull();
  }
}
