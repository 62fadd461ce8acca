package dev.lmgate.audit.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lmgate.audit.checkpoint.Checkpoint;
import dev.lmgate.audit.checkpoint.CheckpointStore;
import dev.lmgate.audit.checkpoint.SigningKey;
import dev.lmgate.audit.verify.AuditVerifier;
import dev.lmgate.audit.verify.InclusionProof;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The log on disk: written, reopened, and every kind of tampering found by the verifier. */
class AuditLogTest {
  @TempDir Path dir;
  SigningKey key;
  LogSettings settings;

  @BeforeEach
  void setUp() {
    key = SigningKey.generate("lmgate.audit/test");
    settings = LogSettings.defaults(dir).withSegmentBytes(2_000);
  }

  private static ObjectNode record(int i) {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("kind", "exchange");
    n.put("request_id", "req-" + i);
    n.put("status", 200);
    n.put("note", "record number " + i);
    return n;
  }

  private void write(int from, int to) throws Exception {
    try (AuditLog log =
        AuditLog.open(settings, key, Clock.systemUTC(), new AuditLog.Observer() {})) {
      for (int i = from; i < to; i++) {
        log.append(record(i)).get();
      }
    }
  }

  private AuditVerifier.Report verify() throws IOException {
    return AuditVerifier.verify(settings.segments(), settings.checkpoints(), key.verifier());
  }

  private List<Path> segments() throws IOException {
    return LogReader.segments(settings.segments());
  }

  @Test
  void aRotatedSigningKeyOpensTheLogOnlyWithItsPredecessorsVerifierKey() throws Exception {
    write(0, 10);
    SigningKey old = key;
    key = SigningKey.generate("lmgate.audit/test");
    assertThatThrownBy(() -> write(10, 20))
        .isInstanceOf(AuditLogException.class)
        .hasMessageContaining("does not verify with the signing key");
    key = key.withPreviousVerifiers(List.of(old.verifier()));
    write(10, 20);
    AuditVerifier.Report both =
        AuditVerifier.verify(settings.segments(), settings.checkpoints(), key.verifiers());
    assertThat(both.problem()).isNull();
    assertThat(both.records()).isEqualTo(20);
    assertThat(both.checkpoints()).isGreaterThanOrEqualTo(2);
    assertThat(
            AuditVerifier.verify(settings.segments(), settings.checkpoints(), key.verifier())
                .intact())
        .as("the new key alone cannot vouch for checkpoints the old one signed")
        .isFalse();
  }

  @Test
  void aWrittenLogVerifiesAcrossSegmentsAndRestarts() throws Exception {
    write(0, 30);
    write(30, 60);
    AuditVerifier.Report r = verify();
    assertThat(r.problem()).isNull();
    assertThat(r.intact()).isTrue();
    assertThat(r.records()).isEqualTo(60);
    assertThat(r.unsigned()).isZero();
    assertThat(segments()).hasSizeGreaterThan(3);
    List<JsonNode> all =
        LogReader.read(settings.segments()).entries().stream().map(LogReader.Entry::json).toList();
    assertThat(all.get(42).path("request_id").asText()).isEqualTo("req-42");
    assertThat(all.get(42).path("seq").asLong()).isEqualTo(42);
  }

  @Test
  void aBatchLargerThanAPieceIsWrittenInPiecesThatChainAsOne() throws Exception {
    // 24 records of 1 MiB queued at once: the writer drains them as one batch and appends them in
    // pieces of about MAX_BATCH_BYTES; the chain and the numbering run on across the pieces.
    String big = "x".repeat(1 << 20);
    try (AuditLog log =
        AuditLog.open(settings, key, Clock.systemUTC(), new AuditLog.Observer() {})) {
      List<java.util.concurrent.CompletableFuture<?>> all = new java.util.ArrayList<>();
      for (int i = 0; i < 24; i++) {
        all.add(log.append(record(i).put("payload", big)));
      }
      for (var f : all) {
        f.get();
      }
    }
    AuditVerifier.Report r = verify();
    assertThat(r.problem()).isNull();
    assertThat(r.records()).isEqualTo(24);
    List<JsonNode> records =
        LogReader.read(settings.segments()).entries().stream().map(LogReader.Entry::json).toList();
    for (int i = 0; i < 24; i++) {
      assertThat(records.get(i).path("seq").asLong()).isEqualTo(i);
      assertThat(records.get(i).path("request_id").asText()).isEqualTo("req-" + i);
    }
  }

  @Test
  void editingOneByteIsFound() throws Exception {
    write(0, 20);
    Path seg = segments().get(1);
    String s = Files.readString(seg);
    Files.writeString(seg, s.replaceFirst("record number", "record numbar"));
    assertThat(verify().intact()).isFalse();
    assertThat(verify().problem()).contains("prev does not match");
  }

  @Test
  void deletingARecordIsFound() throws Exception {
    write(0, 20);
    Path seg = segments().get(0);
    List<String> lines = new ArrayList<>(Files.readAllLines(seg));
    lines.remove(1);
    Files.write(seg, lines);
    assertThat(verify().problem()).contains("seq is 2, expected 1");
  }

  @Test
  void swappingTwoRecordsIsFound() throws Exception {
    write(0, 20);
    Path seg = segments().get(0);
    List<String> lines = new ArrayList<>(Files.readAllLines(seg));
    String a = lines.get(1);
    lines.set(1, lines.get(2));
    lines.set(2, a);
    Files.write(seg, lines);
    assertThat(verify().problem()).contains("reordered");
  }

  @Test
  void truncatingTheTailIsFoundAgainstTheCheckpoint() throws Exception {
    write(0, 20);
    List<Path> segs = segments();
    Files.delete(segs.get(segs.size() - 1));
    assertThat(verify().problem()).contains("records were removed or an older copy");
  }

  @Test
  void restoringAnOlderSnapshotIsFound() throws Exception {
    write(0, 10);
    Path snapshot = Files.createDirectory(dir.resolve("snapshot"));
    for (Path s : segments()) {
      Files.copy(s, snapshot.resolve(s.getFileName()));
    }
    write(10, 25);
    try (Stream<Path> s = Files.list(settings.segments())) {
      for (Path p : s.toList()) {
        Files.delete(p);
      }
    }
    try (Stream<Path> s = Files.list(snapshot)) {
      for (Path p : s.toList()) {
        Files.copy(p, settings.segments().resolve(p.getFileName()));
      }
    }
    assertThat(verify().problem()).contains("older copy of the log was restored");
    assertThatThrownBy(() -> write(25, 26))
        .isInstanceOf(AuditLogException.class)
        .hasMessageContaining("older copy was restored");
  }

  @Test
  void aRewrittenChainIsFoundByTheSignedRoot() throws Exception {
    write(0, 12);
    // The attacker edits record 3 and recomputes every seq/prev after it: the chain is consistent
    // again, but the signed checkpoint's root is not.
    List<LogReader.Entry> entries = LogReader.read(settings.segments()).entries();
    for (Path s : segments()) {
      Files.delete(s);
    }
    try (AuditLog log =
        AuditLog.open(
            settings.withCheckpoints(dir.resolve("attacker-checkpoints")),
            key,
            Clock.systemUTC(),
            new AuditLog.Observer() {})) {
      for (LogReader.Entry e : entries) {
        ObjectNode n = (ObjectNode) e.json().deepCopy();
        if (e.seq() == 3) {
          n.put("status", 403);
        }
        n.remove("seq");
        n.remove("prev");
        log.append(n).get();
      }
    }
    assertThat(LogReader.read(settings.segments()).intact()).isTrue();
    assertThat(verify().problem()).contains("its root does not match the first 12 records");
    assertThatThrownBy(() -> write(12, 13))
        .as("the gateway refuses to append to it")
        .isInstanceOf(AuditLogException.class)
        .hasMessageContaining("the first 12 records no longer match checkpoint");
  }

  @Test
  void aForgedCheckpointIsFound() throws Exception {
    write(0, 5);
    SigningKey other = SigningKey.generate("lmgate.audit/test");
    Checkpoint fake = new Checkpoint("lmgate.audit/test", 5, new byte[32], java.time.Instant.now());
    Path f = new CheckpointStore(settings.checkpoints()).list().get(0).file();
    String genuine = Files.readString(f);
    Files.writeString(f, other.sign(fake.body()));
    assertThat(verify().problem()).contains("signature does not verify");
    assertThatThrownBy(() -> write(5, 6))
        .isInstanceOf(AuditLogException.class)
        .hasMessageContaining("does not verify with the signing key");
    // A valid note whose size was edited by hand breaks its signature too.
    Files.writeString(f, genuine);
    write(5, 6);
    CheckpointStore.Stored latest = new CheckpointStore(settings.checkpoints()).list().get(1);
    Files.writeString(latest.file(), latest.note().replaceFirst("\n6\n", "\n7\n"));
    assertThat(verify().problem()).contains("signature does not verify");
  }

  @Test
  void proofsVerifyAndForgedProofsDoNot() throws Exception {
    write(0, 9);
    LogReader.Result r = LogReader.read(settings.segments());
    CheckpointStore.Stored cp = new CheckpointStore(settings.checkpoints()).list().get(0);
    Checkpoint c = key.verifier().open(cp.note()).flatMap(Checkpoint::parse).orElseThrow();
    ObjectNode proof =
        InclusionProof.build(4, r.entries().get(4).line(), r.leafHashes(), c, cp.note());
    assertThat(InclusionProof.check(proof, key.verifier())).isEmpty();

    ObjectNode edited = proof.deepCopy();
    edited.put("record", proof.get("record").asText().replace("req-4", "req-5"));
    assertThat(InclusionProof.check(edited, key.verifier())).isPresent();
    ObjectNode moved = proof.deepCopy();
    moved.put("seq", 5);
    assertThat(InclusionProof.check(moved, key.verifier())).isPresent();
    ObjectNode badPath = proof.deepCopy();
    badPath.withArray("path").set(0, JsonNodeFactory.instance.textNode("00".repeat(32)));
    assertThat(InclusionProof.check(badPath, key.verifier())).isPresent();
    ObjectNode otherKey = proof.deepCopy();
    assertThat(InclusionProof.check(otherKey, SigningKey.generate("lmgate.audit/test").verifier()))
        .contains("the checkpoint's signature does not verify with the given key");
  }

  @Test
  void aTornTailIsCutOffAndNotedOnOpen() throws Exception {
    write(0, 7);
    List<Path> segs = segments();
    Files.writeString(
        segs.get(segs.size() - 1), "{\"kind\":\"exchange\",\"req", StandardOpenOption.APPEND);
    assertThat(verify().intact()).isTrue();
    assertThat(verify().note()).contains("incomplete last record");
    write(7, 8);
    AuditVerifier.Report r = verify();
    assertThat(r.problem()).isNull();
    List<LogReader.Entry> entries = LogReader.read(settings.segments()).entries();
    assertThat(entries).hasSize(9);
    assertThat(entries.get(7).json().path("kind").asText()).isEqualTo("recovery");
    assertThat(entries.get(7).json().path("truncated_bytes").asLong()).isEqualTo(23);
  }

  @Test
  void aFailingDiskFailsTheAppendAndTheLogCarriesOnWhenItRecovers() throws Exception {
    AtomicBoolean full = new AtomicBoolean();
    SegmentFile.Opener flaky =
        file -> {
          return new SegmentFile.Delegating(SegmentFile.FILES.open(file)) {
            @Override
            public void append(ByteBuffer b) throws IOException {
              if (full.get()) {
                super.append(ByteBuffer.wrap("{\"partial".getBytes(StandardCharsets.UTF_8)));
                throw new IOException("No space left on device");
              }
              super.append(b);
            }
          };
        };
    List<String> events = new ArrayList<>();
    AuditLog.Observer obs =
        new AuditLog.Observer() {
          public void writeFailed(IOException cause) {
            events.add("failed");
          }

          public void writeRecovered() {
            events.add("recovered");
          }
        };
    try (AuditLog log = AuditLog.open(settings.withOpener(flaky), key, Clock.systemUTC(), obs)) {
      log.append(record(0)).get();
      full.set(true);
      assertThatThrownBy(() -> log.append(record(1)).get())
          .isInstanceOf(ExecutionException.class)
          .hasRootCauseMessage("No space left on device");
      assertThat(log.healthy()).isFalse();
      full.set(false);
      // Idle, the writer probes by recording the outage itself; that ends it.
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (!log.healthy() && System.nanoTime() < deadline) {
        Thread.sleep(20); // polling an outcome with a deadline, not timing behaviour
      }
      assertThat(log.healthy()).isTrue();
      assertThat(log.append(record(2)).get().seq()).isEqualTo(2);
    }
    assertThat(events.get(0)).isEqualTo("failed");
    assertThat(events.get(events.size() - 1)).isEqualTo("recovered");
    assertThat(verify().intact()).isTrue();
    List<LogReader.Entry> entries = LogReader.read(settings.segments()).entries();
    assertThat(entries)
        .extracting(e -> e.json().path("kind").asText())
        .containsExactly("exchange", "outage", "exchange");
    assertThat(entries.get(1).json().path("detail").asText()).contains("No space left on device");
    assertThat(entries.get(2).json().path("request_id").asText()).isEqualTo("req-2");
  }

  @Test
  void offeringToAFullQueueDropsCountsAndTellsTheObserver() throws Exception {
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    SegmentFile.Opener slow =
        file -> {
          return new SegmentFile.Delegating(SegmentFile.FILES.open(file)) {
            @Override
            public void append(ByteBuffer b) throws IOException {
              try {
                release.await(); // the disk stalls until the test lets it go
              } catch (InterruptedException e) {
                throw new IOException(e);
              }
              super.append(b);
            }
          };
        };
    List<Long> drops = new java.util.concurrent.CopyOnWriteArrayList<>();
    AuditLog.Observer obs =
        new AuditLog.Observer() {
          public void dropped(long total) {
            drops.add(total);
          }
        };
    int offered = 100;
    try (AuditLog log =
        AuditLog.open(
            settings.withOpener(slow).withQueueCapacity(16), key, Clock.systemUTC(), obs)) {
      int accepted = 0;
      for (int i = 0; i < offered; i++) {
        if (log.offer(record(i))) {
          accepted++;
        }
      }
      assertThat(log.dropped()).isEqualTo(offered - accepted).isPositive();
      assertThat(drops).last().isEqualTo(log.dropped());
      release.countDown();
    }
    // What was accepted is all there, in order, and verifies.
    assertThat(verify().intact()).isTrue();
    assertThat(verify().records()).isEqualTo(offered - drops.get(drops.size() - 1));
  }

  @Test
  void largeRecordsWaitingForAStalledDiskAreBoundedInMemoryNotOnlyInCount() throws Exception {
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    SegmentFile.Opener slow =
        file ->
            new SegmentFile.Delegating(SegmentFile.FILES.open(file)) {
              @Override
              public void append(ByteBuffer b) throws IOException {
                try {
                  release.await(); // the disk stalls until the test lets it go
                } catch (InterruptedException e) {
                  throw new IOException(e);
                }
                super.append(b);
              }
            };
    String payload = "p".repeat(8 << 20); // 8 Mi characters, one instance shared by every record
    int accepted = 0;
    try (AuditLog log =
        AuditLog.open(
            settings.withOpener(slow), key, Clock.systemUTC(), new AuditLog.Observer() {})) {
      for (int i = 0; i < 64; i++) { // far fewer than the queue's count limit
        if (log.offer(record(i).put("payload", payload))) {
          accepted++;
        }
      }
      assertThat((long) accepted * payload.length())
          .isLessThanOrEqualTo(PendingQueue.MAX_PENDING_CHARS + payload.length());
      assertThat(log.dropped()).isEqualTo(64 - accepted).isPositive();
      release.countDown();
    }
    assertThat(verify().intact()).isTrue();
    assertThat(verify().records()).isEqualTo(accepted);
  }

  @Test
  void filesAreOwnerOnly() throws Exception {
    write(0, 3);
    assertThat(Files.getPosixFilePermissions(settings.segments()))
        .containsExactlyInAnyOrderElementsOf(
            java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    for (Path p : segments()) {
      assertThat(
              java.nio.file.attribute.PosixFilePermissions.toString(
                  Files.getPosixFilePermissions(p)))
          .isEqualTo("rw-------");
    }
    Path cp =
        new CheckpointStore(settings.checkpoints())
            .list().stream()
                .map(CheckpointStore.Stored::file)
                .max(Comparator.naturalOrder())
                .orElseThrow();
    assertThat(
            java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(cp)))
        .isEqualTo("rw-------");
  }
}
