package dev.lmgate.audit.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints as C2SP signed notes, and the key files that sign and verify them. */
class SignedNoteTest {
  @TempDir Path dir;

  @Test
  void keysSurviveTheirTextFormsWhateverBytesTheyHold() throws Exception {
    for (int i = 0; i < 64; i++) { // base64 of random keys contains '+' and '/' often
      SigningKey k = SigningKey.generate("lmgate.audit/host-" + i);
      VerifierKey v = VerifierKey.parse(k.verifier().encoded());
      assertThat(v.encoded()).isEqualTo(k.verifier().encoded());
      Path f = dir.resolve("k" + i);
      SigningKey created = SigningKey.loadOrCreate(f, "lmgate.audit/host-" + i);
      SigningKey loaded = SigningKey.load(f);
      assertThat(loaded.verifier().encoded()).isEqualTo(created.verifier().encoded());
      assertThat(v.open(k.sign("a\n"))).contains("a\n");
    }
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("k0"))))
        .isEqualTo("rw-------");
  }

  @Test
  void aCheckpointIsASignedNoteInTheTlogFormat() {
    SigningKey k = SigningKey.generate("lmgate.audit");
    Checkpoint cp =
        new Checkpoint("lmgate.audit", 42, new byte[32], Instant.parse("2026-11-25T10:00:00Z"));
    String note = k.sign(cp.body());
    assertThat(note)
        .startsWith(
            "lmgate.audit\n42\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\ntime 2026-11-25T10:00:00Z\n\n\u2014 lmgate.audit ");
    assertThat(k.verifier().open(note).flatMap(Checkpoint::parse))
        .hasValueSatisfying(
            c -> {
              assertThat(c.size()).isEqualTo(42);
              assertThat(c.time()).isEqualTo(cp.time());
            });
    // Another key's signature, an edited body, a second body line: none verifies.
    assertThat(SigningKey.generate("lmgate.audit").verifier().open(note)).isEmpty();
    assertThat(k.verifier().open(note.replace("\n42\n", "\n43\n"))).isEmpty();
    assertThat(k.verifier().open("x\n" + note)).isEmpty();
  }

  @Test
  void aDamagedKeyFileIsRefused() throws Exception {
    Path f = dir.resolve("signing.key");
    SigningKey.loadOrCreate(f, "lmgate.audit");
    String text = Files.readString(f);
    String[] lines = text.split("\n");
    String other = SigningKey.generate("lmgate.audit").verifier().encoded();
    Files.writeString(f, lines[0] + "\n" + other + "\n");
    assertThatThrownBy(() -> SigningKey.load(f)).hasMessageContaining("do not belong together");
    Files.writeString(f, "nonsense\n");
    assertThatThrownBy(() -> SigningKey.load(f))
        .hasMessageContaining("not an lmgate audit signing key");
  }
}
