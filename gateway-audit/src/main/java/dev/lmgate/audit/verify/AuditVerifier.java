package dev.lmgate.audit.verify;

import dev.lmgate.audit.checkpoint.Checkpoint;
import dev.lmgate.audit.checkpoint.CheckpointStore;
import dev.lmgate.audit.checkpoint.VerifierKey;
import dev.lmgate.audit.log.LogReader;
import dev.lmgate.audit.merkle.Frontier;
import java.io.IOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks a log directory offline: every record in order and chained, every checkpoint signed by the
 * given key, naming the size it signs, with a root that matches the records on disk, and times that
 * never go backwards. The first failure is the answer.
 */
public final class AuditVerifier {
  /**
   * The outcome.
   *
   * @param intact whether everything checked out
   * @param records records read
   * @param checkpoints checkpoints verified
   * @param problem the first failure, or {@code null}
   * @param unsigned records after the newest checkpoint (chained, not yet signed)
   * @param note something worth knowing that is not a failure (a last record still being written),
   *     or {@code null}
   */
  public record Report(
      boolean intact, long records, int checkpoints, String problem, long unsigned, String note) {
    Report(boolean intact, long records, int checkpoints, String problem, long unsigned) {
      this(intact, records, checkpoints, problem, unsigned, null);
    }
  }

  private AuditVerifier() {}

  public static Report verify(Path segments, Path checkpointDir, VerifierKey key)
      throws IOException {
    return verify(segments, checkpointDir, List.of(key));
  }

  /**
   * Verifies with several keys: the current verifier key and those of signing keys it replaced
   * (each checkpoint must verify with one of them).
   */
  public static Report verify(Path segments, Path checkpointDir, List<VerifierKey> keys)
      throws IOException {
    // One streaming pass: the tree's root is taken at every size a checkpoint is named for, so
    // memory stays bounded and each checkpoint costs no second pass over the log.
    List<CheckpointStore.Stored> stored = new CheckpointStore(checkpointDir).list();
    Set<Long> sizes = new HashSet<>();
    stored.forEach(s -> sizes.add(s.namedSize()));
    Map<Long, byte[]> roots = new HashMap<>();
    Frontier frontier = new Frontier();
    if (sizes.contains(0L)) {
      roots.put(0L, frontier.root());
    }
    LogReader.Result r =
        LogReader.scan(
            segments,
            e -> {
              frontier.add(e.leafHash());
              if (sizes.contains(frontier.size())) {
                roots.put(frontier.size(), frontier.root());
              }
            });
    long n = r.count();
    String note = null;
    if (!r.intact()) {
      if (!r.tornTail() || !r.problem().contains("without a newline")) {
        return new Report(false, n, 0, r.problem(), 0);
      }
      // A line without its newline at the very end: a write in progress, or a crash the gateway
      // repairs on restart. What precedes it is checked; a checkpoint covering it would fail below.
      note =
          r.problem()
              + ": a write in progress, or cut short by a crash (the gateway truncates it on restart)";
    }
    if (stored.isEmpty() && n > 0) {
      return new Report(false, n, 0, "no signed checkpoint found in " + checkpointDir, n);
    }
    int ok = 0;
    long lastSize = 0;
    Instant lastTime = Instant.EPOCH;
    for (CheckpointStore.Stored s : stored) {
      String name = s.file().getFileName().toString();
      Checkpoint cp =
          VerifierKey.openWithAny(keys, s.note()).flatMap(Checkpoint::parse).orElse(null);
      if (cp == null) {
        return new Report(
            false,
            n,
            ok,
            "checkpoint " + name + ": the signature does not verify (forged or altered)",
            0);
      }
      if (cp.size() != s.namedSize()) {
        return new Report(
            false,
            n,
            ok,
            "checkpoint " + name + " signs size " + cp.size() + ", not the size it is named for",
            0);
      }
      if (cp.size() > n) {
        return new Report(
            false,
            n,
            ok,
            "the log has "
                + n
                + " records but checkpoint "
                + name
                + " signed "
                + cp.size()
                + ": records were removed or an older copy of the log was restored",
            0);
      }
      if (!MessageDigest.isEqual(cp.root(), roots.get(cp.size()))) {
        return new Report(
            false,
            n,
            ok,
            "checkpoint "
                + name
                + ": its root does not match the first "
                + cp.size()
                + " records (a record among them was altered, removed or reordered)",
            0);
      }
      if (cp.time().isBefore(lastTime)) {
        return new Report(
            false, n, ok, "checkpoint " + name + " is dated before the one it follows", 0);
      }
      lastTime = cp.time();
      lastSize = cp.size();
      ok++;
    }
    return new Report(true, n, ok, null, n - lastSize, note);
  }
}
