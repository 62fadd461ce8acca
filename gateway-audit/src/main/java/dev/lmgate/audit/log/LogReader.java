package dev.lmgate.audit.log;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lmgate.audit.merkle.Merkle;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a log directory's segments in order and checks what a single pass can: each segment starts
 * at the record its name says, records are complete lines of JSON, {@code seq} counts up from 0 and
 * each {@code prev} is the leaf hash of the record before. Stops at the first problem.
 */
public final class LogReader {
  static final Pattern SEGMENT = Pattern.compile("seg-(\\d{12})\\.jsonl");
  public static final String ZERO_HASH = "0".repeat(64);

  /** One stored record. */
  public record Entry(
      long seq, byte[] line, byte[] leafHash, JsonNode json, Path segment, long offset) {}

  /**
   * What a read found.
   *
   * @param entries the records up to the first problem ({@link #read}); empty after a {@link
   *     #scan}, which hands each record to its visitor instead of keeping it
   * @param count how many good records precede the first problem
   * @param problem the first problem, or {@code null}
   * @param tornTail whether the problem is only an incomplete last line of the last segment, bytes
   *     without the newline that ends every record (a write cut short by a crash), which recovery
   *     may truncate; every other problem, wherever it is, is tampering
   * @param tailSegment the segment holding the problem
   * @param goodLength the length of that segment up to the last good record
   */
  public record Result(
      List<Entry> entries,
      long count,
      String problem,
      boolean tornTail,
      Path tailSegment,
      long goodLength) {
    public boolean intact() {
      return problem == null;
    }

    public List<byte[]> leafHashes() {
      List<byte[]> l = new ArrayList<>(entries.size());
      entries.forEach(e -> l.add(e.leafHash()));
      return l;
    }
  }

  private LogReader() {}

  /** The segment files of a log directory, in order. */
  public static List<Path> segments(Path dir) throws IOException {
    List<Path> l = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return l;
    }
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "seg-*.jsonl")) {
      s.forEach(l::add);
    }
    l.sort(null);
    return l;
  }

  /** Reads the whole log into memory: for tools and tests on logs of modest size. */
  public static Result read(Path segmentDir) throws IOException {
    List<Entry> entries = new ArrayList<>();
    Result r = scan(segmentDir, entries::add);
    return new Result(
        entries, r.count(), r.problem(), r.tornTail(), r.tailSegment(), r.goodLength());
  }

  /**
   * Reads the log one segment at a time and hands each good record to {@code visitor}, in order,
   * keeping none: memory stays bounded by the largest segment however long the log is.
   */
  public static Result scan(Path segmentDir, Consumer<Entry> visitor) throws IOException {
    long count = 0;
    List<Path> segs = segments(segmentDir);
    byte[] prevHash = null;
    for (int si = 0; si < segs.size(); si++) {
      Path seg = segs.get(si);
      boolean lastSegment = si == segs.size() - 1;
      Matcher m = SEGMENT.matcher(seg.getFileName().toString());
      m.matches();
      long first = Long.parseLong(m.group(1));
      if (first != count) {
        return new Result(
            List.of(),
            count,
            seg.getFileName()
                + " should start at record "
                + count
                + " but is named for record "
                + first
                + ": a segment was removed, added or renamed",
            false,
            seg,
            0);
      }
      byte[] bytes = Files.readAllBytes(seg);
      int pos = 0;
      int line = 0;
      while (pos < bytes.length) {
        line++;
        int nl = indexOf(bytes, (byte) '\n', pos);
        String where = seg.getFileName() + " line " + line + " (record " + count + ")";
        if (nl < 0) {
          return new Result(
              List.of(),
              count,
              where
                  + ": incomplete last record ("
                  + (bytes.length - pos)
                  + " bytes without a newline)",
              lastSegment,
              seg,
              pos);
        }
        byte[] rec = java.util.Arrays.copyOfRange(bytes, pos, nl);
        JsonNode json = CanonicalJson.parse(rec).orElse(null);
        if (json == null) {
          // A whole line (newline included) that is not a record is never a crash, even at the
          // tail: a write cut short cannot end in the newline that closes a record.
          return new Result(
              List.of(), count, where + ": not a JSON record (altered)", false, seg, pos);
        }
        if (json.path("seq").asLong(-1) != count) {
          return new Result(
              List.of(),
              count,
              where
                  + ": seq is "
                  + json.path("seq").asText("missing")
                  + ", expected "
                  + count
                  + " (records removed, added or reordered)",
              false,
              seg,
              pos);
        }
        String expectedPrev = prevHash == null ? ZERO_HASH : HexFormat.of().formatHex(prevHash);
        if (!expectedPrev.equals(json.path("prev").asText())) {
          return new Result(
              List.of(),
              count,
              where
                  + ": prev does not match the hash of record "
                  + (count - 1)
                  + " (that record or this one was altered, or records were swapped)",
              false,
              seg,
              pos);
        }
        byte[] leaf = Merkle.leafHash(rec);
        visitor.accept(new Entry(count, rec, leaf, json, seg, pos));
        count++;
        prevHash = leaf;
        pos = nl + 1;
      }
    }
    return new Result(List.of(), count, null, false, null, 0);
  }

  private static int indexOf(byte[] b, byte v, int from) {
    for (int i = from; i < b.length; i++) {
      if (b[i] == v) {
        return i;
      }
    }
    return -1;
  }
}
