package dev.lmgate.audit.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.lmgate.audit.crypto.MasterKey;
import dev.lmgate.audit.export.JsonLinesSink;
import dev.lmgate.audit.log.AuditLog;
import dev.lmgate.audit.log.LogSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files holding keys or audit data are owner-only from the moment they appear: a file created with
 * the umask's mode and chmod-ed afterwards can be opened by anyone in between, and a descriptor
 * opened then keeps its access. A probe reads the modes of the next files as fast as it can while
 * they are created; it must never see a group or other bit.
 */
class FilePermissionsTest {
  @TempDir Path dir;

  /** Runs {@code create} for each round while probing the files it names. */
  interface Round {
    List<Path> files(int i);

    void create(int i) throws Exception;
  }

  static Set<String> probeWhile(int rounds, Round round) throws Exception {
    Set<String> seen = ConcurrentHashMap.newKeySet();
    AtomicReference<List<Path>> next = new AtomicReference<>(round.files(0));
    AtomicBoolean done = new AtomicBoolean();
    CompletableFuture<Void> probe =
        CompletableFuture.runAsync(
            () -> {
              while (!done.get()) {
                for (Path f : next.get()) {
                  try {
                    String m = PosixFilePermissions.toString(Files.getPosixFilePermissions(f));
                    if (!m.endsWith("------")) {
                      seen.add(f.getFileName() + " " + m);
                    }
                  } catch (Exception notYet) {
                    // not created yet
                  }
                }
              }
            });
    try {
      for (int i = 0; i < rounds; i++) {
        next.set(round.files(i));
        round.create(i);
        for (Path f : round.files(i)) {
          assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f)))
              .as(f.toString())
              .isEqualTo("rw-------");
        }
      }
    } finally {
      done.set(true);
    }
    probe.get(60, TimeUnit.SECONDS);
    return seen;
  }

  @Test
  void masterAndSigningKeysAreOwnerOnlyFromTheMomentTheyAppear() throws Exception {
    Set<String> seen =
        probeWhile(
            100,
            new Round() {
              public List<Path> files(int i) {
                return List.of(
                    dir.resolve("master-" + i + ".key"), dir.resolve("sig-" + i + ".key"));
              }

              public void create(int i) throws Exception {
                MasterKey.fromFile(files(i).get(0), true);
                SigningKey.loadOrCreate(files(i).get(1), "lmgate.audit/test");
              }
            });
    assertThat(seen).as("key files seen with group or other permissions").isEmpty();
  }

  @Test
  void siemExportFilesAreOwnerOnlyFromTheMomentTheyAppear() throws Exception {
    Set<String> seen =
        probeWhile(
            200,
            new Round() {
              public List<Path> files(int i) {
                return List.of(dir.resolve("export-" + i + ".jsonl"));
              }

              public void create(int i) throws Exception {
                try (JsonLinesSink s = JsonLinesSink.file(files(i).get(0))) {
                  s.send(JsonNodeFactory.instance.objectNode().put("n", i), "info");
                }
              }
            });
    assertThat(seen).as("export files seen with group or other permissions").isEmpty();
  }

  @Test
  void auditSegmentsAreOwnerOnlyFromTheMomentTheyAppear() throws Exception {
    SigningKey key = SigningKey.generate("lmgate.audit/test");
    LogSettings settings = LogSettings.defaults(dir).withSegmentBytes(200);
    try (AuditLog log =
        AuditLog.open(settings, key, Clock.systemUTC(), new AuditLog.Observer() {})) {
      Set<String> seen =
          probeWhile(
              100,
              new Round() {
                public List<Path> files(int i) {
                  // each record fills a segment: record i rolls to segment i
                  return List.of(settings.segments().resolve(String.format("seg-%012d.jsonl", i)));
                }

                public void create(int i) throws Exception {
                  log.append(
                          JsonNodeFactory.instance
                              .objectNode()
                              .put("kind", "exchange")
                              .put("note", "x".repeat(200)))
                      .get(30, TimeUnit.SECONDS);
                }
              });
      assertThat(seen).as("segments seen with group or other permissions").isEmpty();
    }
  }

  @Test
  void aSecretFileIsNeverReplacedByASecondCreator() throws Exception {
    Path f = dir.resolve("master.key");
    assertThat(FilePermissions.createSecret(f, "first\n".getBytes(StandardCharsets.UTF_8)))
        .isTrue();
    assertThat(FilePermissions.createSecret(f, "second\n".getBytes(StandardCharsets.UTF_8)))
        .isFalse();
    assertThat(Files.readString(f)).isEqualTo("first\n");
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("master.key");
    }
  }
}
