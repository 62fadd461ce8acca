package dev.lmgate.audit.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Day keys wrapped by a master key that was rotated out stay readable while it is listed. */
class PeriodKeysTest {
  @TempDir Path dir;
  static final Instant DAY = Instant.parse("2026-11-20T10:00:00Z");

  static MasterKey random() {
    byte[] raw = new byte[32];
    new SecureRandom().nextBytes(raw);
    return MasterKey.fromBase64(Base64.getEncoder().encodeToString(raw));
  }

  @Test
  void aRotatedMasterKeyOpensOlderDayKeysOnlyWithThePreviousKeyListed() throws Exception {
    MasterKey before = random();
    MasterKey after = random();
    ObjectNode sealed =
        new PeriodKeys(dir, before)
            .seal(
                "req-1/prompt", "the prompt".getBytes(StandardCharsets.UTF_8), DAY, "operational");

    byte[] opened =
        new PeriodKeys(dir, after, List.of(before)).open("req-1/prompt", sealed).orElseThrow();
    assertThat(new String(opened, StandardCharsets.UTF_8)).isEqualTo("the prompt");

    assertThatThrownBy(() -> new PeriodKeys(dir, after).open("req-1/prompt", sealed))
        .as("the day key's wrapping does not authenticate under another master key")
        .isInstanceOf(javax.crypto.AEADBadTagException.class);
    // a new day's key is wrapped by the new master key: the old one alone cannot open it
    ObjectNode next =
        new PeriodKeys(dir, after, List.of(before))
            .seal("req-2/prompt", new byte[] {1}, DAY.plusSeconds(86_400), "operational");
    assertThatThrownBy(() -> new PeriodKeys(dir, before).open("req-2/prompt", next))
        .as("the day key's wrapping does not authenticate under another master key")
        .isInstanceOf(javax.crypto.AEADBadTagException.class);
  }
}
