package dev.lmgate.app.compliance;

import dev.lmgate.app.compliance.ComplianceReport.Status;
import dev.lmgate.app.config.AuditSettings;
import dev.lmgate.secrets.SecretRef;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether the audit keys are kept apart from the log they protect. The signing key: whoever can
 * rewrite a volume holding the log and its signing key can re-sign a rewritten history. The master
 * keys: crypto-shredding deletes day keys wrapped by the master key; a copy of the volume that
 * holds both the log and the master key (a backup, a snapshot, a stolen disk) keeps every payload
 * readable forever, shredded or not.
 *
 * <p>Decision: a key in a file ({@code file:PATH} or {@code ${secret:file:PATH}}) shares the log's
 * volume when its path is inside the audit directory, or when both paths (their nearest existing
 * ancestors) are on the same {@link FileStore}. On Linux a {@code FileStore} is one mount, so a
 * secret mounted at {@code /run/secrets} (a compose secret, a Kubernetes Secret volume) is apart
 * from the audit volume even when both live on the host's disk, and a key file anywhere on the
 * audit volume is not. Keys from the environment or a secret manager never share the log's volume.
 */
final class KeyPlacement {
  private KeyPlacement() {}

  /** What the check found: enforced, weakened (shared volume) or not verified (unreadable). */
  record Finding(Status status, String evidence) {}

  /**
   * The signing key, when it is a file on the log's volume: evidence of that for the report; empty
   * when it is apart (or in a secret manager) or cannot be told.
   */
  static java.util.Optional<String> signingKeyShared(AuditSettings audit) {
    String ref = audit.signingKey();
    Path file = ref.startsWith("${secret:") ? file(ref) : Path.of(ref);
    try {
      if (file != null && sameVolume(file, audit.dir())) {
        return java.util.Optional.of(
            "signing key `"
                + ref
                + "` is on the same volume as the log: whoever can rewrite the log can re-sign it"
                + " (mount it as a secret; publish checkpoints off the host)");
      }
    } catch (IOException e) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.empty();
  }

  /** The master keys (current and previous). */
  static Finding check(AuditSettings audit) {
    List<String> refs = new ArrayList<>();
    refs.add(audit.masterKey());
    refs.addAll(audit.previousMasterKeys());
    List<String> shared = new ArrayList<>();
    List<String> unknown = new ArrayList<>();
    for (String ref : refs) {
      if (ref.isEmpty()) {
        continue;
      }
      Path file = file(ref);
      if (file == null) {
        continue;
      }
      try {
        if (sameVolume(file, audit.dir())) {
          shared.add("`" + ref + "`");
        }
      } catch (IOException e) {
        unknown.add("`" + ref + "` (" + e.getClass().getSimpleName() + ")");
      }
    }
    if (!shared.isEmpty()) {
      return new Finding(
          Status.WEAKENED,
          "master key "
              + String.join(", ", shared)
              + " is on the same volume as the audit log `"
              + audit.dir()
              + "`: a copy of that volume reads every payload, shredded or not (mount the key as a"
              + " secret, docs/deploy.md)");
    }
    if (!unknown.isEmpty()) {
      return new Finding(
          Status.NOT_VERIFIED,
          "cannot tell whether master key "
              + String.join(", ", unknown)
              + " shares the log's volume");
    }
    return new Finding(
        Status.ENFORCED,
        "day keys past retention deleted; master key `"
            + audit.masterKey()
            + "` kept apart from the audit log");
  }

  /** The file a key reference reads, or null when it is not read from a file. */
  static Path file(String ref) {
    if (ref.startsWith("file:")) {
      return Path.of(ref.substring("file:".length()));
    }
    if (ref.startsWith("${secret:")) {
      try {
        SecretRef r = SecretRef.fromConfigValue(ref);
        return r != null && "file".equals(r.scheme()) ? Path.of(r.location()) : null;
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
    return null;
  }

  /** Whether two paths (created or not) are on one volume: one inside the other, or one mount. */
  static boolean sameVolume(Path a, Path b) throws IOException {
    Path x = a.toAbsolutePath().normalize();
    Path y = b.toAbsolutePath().normalize();
    if (x.startsWith(y) || y.startsWith(x)) {
      return true;
    }
    FileStore fx = Files.getFileStore(existing(x));
    FileStore fy = Files.getFileStore(existing(y));
    return fx.equals(fy);
  }

  private static Path existing(Path p) throws IOException {
    for (Path q = p; q != null; q = q.getParent()) {
      if (Files.exists(q)) {
        return q;
      }
    }
    throw new IOException("no existing ancestor of " + p);
  }
}
