package dev.lmgate.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lmgate.spi.Secret;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class AdminTokenTest {
  @Test
  void aTokenItsStoreNoLongerConfirmsIsRefusedUntilTheStoreAnswersAgain() {
    AtomicReference<Secret> current = new AtomicReference<>(Secret.of("s3cret-token"));
    AdminToken token = new AdminToken(current::get);
    Map<String, String> presented = Map.of("authorization", "Bearer s3cret-token");
    assertThat(token.refusal(presented)).isEmpty();

    current.set(AdminToken.UNCONFIRMED); // what Gateway's supplier gives once stale
    assertThat(token.refusal(presented))
        .hasValueSatisfying(
            a -> {
              assertThat(a.status()).isEqualTo(503);
              assertThat(a.json()).contains("token_unconfirmed").doesNotContain("s3cret");
            });
    // the sentinel's own text never opens the door either
    assertThat(token.refusal(Map.of("authorization", "Bearer unconfirmed"))).isPresent();

    current.set(Secret.of("s3cret-token"));
    assertThat(token.refusal(presented)).isEmpty();
    current.set(null);
    assertThat(token.refusal(presented))
        .hasValueSatisfying(a -> assertThat(a.status()).isEqualTo(403));
  }
}
