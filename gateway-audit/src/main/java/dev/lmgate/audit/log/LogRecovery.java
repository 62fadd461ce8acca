package dev.lmgate.audit.log;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lmgate.audit.checkpoint.Checkpoint;
import dev.lmgate.audit.checkpoint.CheckpointStore;
import dev.lmgate.audit.checkpoint.SigningKey;
import dev.lmgate.audit.merkle.Frontier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opening a log: replays every segment into the tree's frontier, checks the newest signed
 * checkpoint against it, cuts off an incomplete last record (a crash mid-write) and says in a
 * {@code recovery} record what happened, naming the writer that died when its lock file does.
 * Anything else that fails verification refuses the log ({@link AuditLogException#tampered}).
 */
final class LogRecovery {
  private static final Logger log = LoggerFactory.getLogger(LogRecovery.class);
  private static final JsonNodeFactory NODES = CanonicalJson.NODES;

  /**
   * The log as found: its tree, the last leaf, its records, the size the newest checkpoint signed
   * (-1: none), the open last segment (or {@code null}) and its length, and the record to append
   * about a recovery (or {@code null} when the previous writer closed the log).
   */
  record Recovered(
      Frontier frontier,
      byte[] lastLeaf,
      long size,
      long checkpointedSize,
      SegmentFile segment,
      long segmentSize,
      ObjectNode record) {}

  private LogRecovery() {}

  static Recovered recover(
      LogSettings settings,
      SigningKey signer,
      CheckpointStore checkpoints,
      WriterLock lock,
      Clock clock)
      throws IOException {
    Frontier frontier = new Frontier();
    long[] size = {0};
    byte[][] lastLeaf = {null};
    // The newest checkpoint must describe a prefix of what is on disk: its root is taken from
    // the frontier when the replay passes its size. The replay streams: nothing per record is
    // kept, so a long log opens in bounded memory.
    List<CheckpointStore.Stored> stored = checkpoints.list();
    Checkpoint newest = null;
    CheckpointStore.Stored newestFile = null;
    if (!stored.isEmpty()) {
      newestFile = stored.get(stored.size() - 1);
      CheckpointStore.Stored last = newestFile;
      newest =
          signer
              .open(last.note())
              .flatMap(Checkpoint::parse)
              .orElseThrow(
                  () ->
                      new AuditLogException(
                          "checkpoint " + last.file() + " does not verify with the signing key",
                          true));
    }
    long checkpointSize = newest == null ? -1 : newest.size();
    byte[][] rootAtCheckpoint = {checkpointSize == 0 ? frontier.root() : null};
    LogReader.Result r =
        LogReader.scan(
            settings.segments(),
            e -> {
              frontier.add(e.leafHash());
              lastLeaf[0] = e.leafHash();
              size[0]++;
              if (size[0] == checkpointSize) {
                rootAtCheckpoint[0] = frontier.root();
              }
            });
    ObjectNode recovery = null;
    Optional<JsonNode> crashed = lock.crashedHolder();
    if (!r.intact()) {
      if (!r.tornTail()) {
        throw new AuditLogException(
            "the audit log in " + settings.segments() + " fails verification: " + r.problem(),
            true);
      }
      long fileSize = Files.size(r.tailSegment());
      try (SegmentFile f = settings.opener().open(r.tailSegment())) {
        f.truncate(r.goodLength());
        f.sync();
      }
      String cause =
          crashed
              .map(h -> "; " + diedWithoutClosing(h))
              .orElse(
                  "; the previous writer closed the log or left no name: a write the disk"
                      + " refused and could not undo, or one from an older lmgate");
      log.warn("audit log: {}; cut off {} bytes{}", r.problem(), fileSize - r.goodLength(), cause);
      recovery = recoveryRecord(clock, r.problem() + "; the incomplete record was cut off" + cause);
      recovery.put("truncated_bytes", fileSize - r.goodLength());
    } else if (crashed.isPresent()) {
      // Nothing torn, but async records it still queued (or, after a power loss, had not synced)
      // may be missing: say so.
      String detail =
          diedWithoutClosing(crashed.get())
              + "; the log is intact, records it had not yet written may be missing";
      log.warn("audit log: {}", detail);
      recovery = recoveryRecord(clock, detail);
      recovery.put("truncated_bytes", 0);
    }
    if (recovery != null && crashed.isPresent()) {
      recovery.set("crashed_writer", crashed.get());
    }
    long checkpointedSize = -1;
    if (newest != null) {
      Checkpoint cp = newest;
      CheckpointStore.Stored last = newestFile;
      if (cp.size() > size[0]) {
        throw new AuditLogException(
            "the audit log has "
                + size[0]
                + " records but checkpoint "
                + last.file().getFileName()
                + " signed "
                + cp.size()
                + ": records were removed or an older copy was restored",
            true);
      }
      if (!MessageDigest.isEqual(cp.root(), rootAtCheckpoint[0])) {
        throw new AuditLogException(
            "the first "
                + cp.size()
                + " records no longer match checkpoint "
                + last.file().getFileName(),
            true);
      }
      checkpointedSize = cp.size();
    }
    SegmentFile segment = null;
    long segmentSize = 0;
    List<Path> segs = LogReader.segments(settings.segments());
    if (!segs.isEmpty()) {
      segment = settings.opener().open(segs.get(segs.size() - 1));
      segmentSize = segment.size();
    }
    return new Recovered(
        frontier, lastLeaf[0], size[0], checkpointedSize, segment, segmentSize, recovery);
  }

  private static ObjectNode recoveryRecord(Clock clock, String detail) {
    ObjectNode n = NODES.objectNode();
    n.put("kind", "recovery");
    n.put("time", clock.instant().toString());
    n.put("detail", detail);
    return n;
  }

  private static String diedWithoutClosing(JsonNode holder) {
    return "the previous writer (pid "
        + holder.path("pid").asText()
        + " on "
        + holder.path("host").asText()
        + ") ended without closing the log: a crash";
  }
}
