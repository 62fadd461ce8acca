package dev.lmgate.audit.checkpoint;

import java.time.Instant;
import java.util.Base64;
import java.util.Optional;

/**
 * A signed statement of the log's state, in the C2SP {@code tlog-checkpoint} body format: origin,
 * tree size, base64 root hash, then one extension line {@code time <RFC 3339>}. It is the body of a
 * C2SP signed note (see {@link SigningKey}).
 *
 * @param origin names the log, e.g. {@code lmgate.audit/host-1}
 * @param size number of records
 * @param root RFC 6962 root hash over the first {@code size} records
 * @param time when the gateway signed it
 */
public record Checkpoint(String origin, long size, byte[] root, Instant time) {

  /** The note body that gets signed, ending in a newline. */
  public String body() {
    return origin
        + "\n"
        + size
        + "\n"
        + Base64.getEncoder().encodeToString(root)
        + "\n"
        + "time "
        + time
        + "\n";
  }

  /** Parses a note body; empty when it is not a checkpoint of this format. */
  public static Optional<Checkpoint> parse(String body) {
    if (!body.endsWith("\n")) {
      return Optional.empty();
    }
    String[] lines = body.substring(0, body.length() - 1).split("\n", -1);
    if (lines.length != 4 || lines[0].isEmpty() || !lines[3].startsWith("time ")) {
      return Optional.empty();
    }
    try {
      if (!lines[1].matches("0|[1-9][0-9]{0,18}")) {
        return Optional.empty();
      }
      byte[] root = Base64.getDecoder().decode(lines[2]);
      if (root.length != 32) {
        return Optional.empty();
      }
      return Optional.of(
          new Checkpoint(
              lines[0], Long.parseLong(lines[1]), root, Instant.parse(lines[3].substring(5))));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }
}
