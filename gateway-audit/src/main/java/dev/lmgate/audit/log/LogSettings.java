package dev.lmgate.audit.log;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Where and how the log is written.
 *
 * @param segments directory of the segment files
 * @param checkpoints directory of the signed checkpoints (keep it apart from the segments)
 * @param origin the log's name in checkpoints
 * @param segmentBytes a new segment starts when the current one would grow past this
 * @param checkpointInterval how often a checkpoint is signed while records arrive
 * @param queueCapacity records waiting for the writer at most
 * @param opener opens segment files ({@link SegmentFile#FILES})
 */
public record LogSettings(
    Path segments,
    Path checkpoints,
    String origin,
    long segmentBytes,
    Duration checkpointInterval,
    int queueCapacity,
    SegmentFile.Opener opener) {

  public static LogSettings defaults(Path dir) {
    return new LogSettings(
        dir.resolve("segments"),
        dir.resolve("checkpoints"),
        "lmgate.audit",
        64L << 20,
        Duration.ofSeconds(10),
        65_536,
        SegmentFile.FILES);
  }

  public LogSettings withCheckpoints(Path dir) {
    return new LogSettings(
        segments, dir, origin, segmentBytes, checkpointInterval, queueCapacity, opener);
  }

  public LogSettings withOpener(SegmentFile.Opener o) {
    return new LogSettings(
        segments, checkpoints, origin, segmentBytes, checkpointInterval, queueCapacity, o);
  }

  public LogSettings withSegmentBytes(long b) {
    return new LogSettings(
        segments, checkpoints, origin, b, checkpointInterval, queueCapacity, opener);
  }

  public LogSettings withQueueCapacity(int c) {
    return new LogSettings(
        segments, checkpoints, origin, segmentBytes, checkpointInterval, c, opener);
  }

  public LogSettings withCheckpointInterval(Duration d) {
    return new LogSettings(segments, checkpoints, origin, segmentBytes, d, queueCapacity, opener);
  }
}
