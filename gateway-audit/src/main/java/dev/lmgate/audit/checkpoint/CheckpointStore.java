package dev.lmgate.audit.checkpoint;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Signed checkpoints, one file per tree size ({@code <size, 20 digits>.note}), kept apart from the
 * segments so that an attacker who rewrites the log must also reach this directory and forge an
 * Ed25519 signature.
 */
public final class CheckpointStore {
  private static final Pattern NAME = Pattern.compile("(\\d{20})\\.note");

  /** A stored note and the size its file name claims. */
  public record Stored(Path file, long namedSize, String note) {}

  private final Path dir;

  public CheckpointStore(Path dir) {
    this.dir = dir;
  }

  public Path dir() {
    return dir;
  }

  /** Writes a signed note for {@code size} durably; an existing note for that size is kept. */
  public Path write(long size, String note) throws IOException {
    FilePermissions.directory(dir);
    Path f = dir.resolve(String.format("%020d.note", size));
    if (Files.exists(f)) {
      return f;
    }
    Path tmp = FilePermissions.tempFile(dir, ".cp");
    try {
      FilePermissions.writeDurably(tmp, note.getBytes(StandardCharsets.UTF_8));
      Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
    return f;
  }

  /** Every stored note, by size. */
  public List<Stored> list() throws IOException {
    List<Stored> l = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return l;
    }
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.note")) {
      for (Path f : s) {
        Matcher m = NAME.matcher(f.getFileName().toString());
        if (m.matches()) {
          l.add(
              new Stored(
                  f,
                  Long.parseLong(m.group(1)),
                  new String(Files.readAllBytes(f), StandardCharsets.UTF_8)));
        }
      }
    }
    l.sort(java.util.Comparator.comparingLong(Stored::namedSize));
    return l;
  }
}
