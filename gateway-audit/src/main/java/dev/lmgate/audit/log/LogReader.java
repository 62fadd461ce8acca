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
   * @param entries the records up to the first problem
   * @param problem the first problem, or {@code null}
   * @param tornTail whether the problem is only an incomplete last line of the last segment (a
   *     write cut short by a crash), which recovery may truncate
   * @param tailSegment the segment holding the problem
   * @param goodLength the length of that segment up to the last good record
   */
  public record Result(
      List<Entry> entries, String problem, boolean tornTail, Path tailSegment, long goodLength) {
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

  public static Result read(Path segmentDir) throws IOException {
    List<Entry> entries = new ArrayList<>();
    List<Path> segs = segments(segmentDir);
    byte[] prevHash = null;
    for (int si = 0; si < segs.size(); si++) {
      Path seg = segs.get(si);
      boolean lastSegment = si == segs.size() - 1;
      Matcher m = SEGMENT.matcher(seg.getFileName().toString());
      m.matches();
      long first = Long.parseLong(m.group(1));
      if (first != entries.size()) {
        return new Result(
            entries,
            seg.getFileName()
                + " should start at record "
                + entries.size()
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
        String where = seg.getFileName() + " line " + line + " (record " + entries.size() + ")";
        if (nl < 0) {
          return new Result(
              entries,
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
        boolean atTail = lastSegment && nl == bytes.length - 1;
        if (json == null) {
          return new Result(entries, where + ": not a JSON record (altered)", atTail, seg, pos);
        }
        if (json.path("seq").asLong(-1) != entries.size()) {
          return new Result(
              entries,
              where
                  + ": seq is "
                  + json.path("seq").asText("missing")
                  + ", expected "
                  + entries.size()
                  + " (records removed, added or reordered)",
              false,
              seg,
              pos);
        }
        String expectedPrev = prevHash == null ? ZERO_HASH : HexFormat.of().formatHex(prevHash);
        if (!expectedPrev.equals(json.path("prev").asText())) {
          return new Result(
              entries,
              where
                  + ": prev does not match the hash of record "
                  + (entries.size() - 1)
                  + " (that record or this one was altered, or records were swapped)",
              false,
              seg,
              pos);
        }
        byte[] leaf = Merkle.leafHash(rec);
        entries.add(new Entry(entries.size(), rec, leaf, json, seg, pos));
        prevHash = leaf;
        pos = nl + 1;
      }
    }
    return new Result(entries, null, false, null, 0);
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
