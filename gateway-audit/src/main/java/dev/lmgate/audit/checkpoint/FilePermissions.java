package dev.lmgate.audit.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** Owner-only permissions (0600 files, 0700 directories) where the file system has POSIX modes. */
public final class FilePermissions {
  private FilePermissions() {}

  public static void ownerOnly(Path p) throws IOException {
    if (!Files.getFileStore(p).supportsFileAttributeView("posix")) {
      return;
    }
    Files.setPosixFilePermissions(
        p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwx------" : "rw-------"));
  }

  /** Creates a directory (and parents) and makes it owner-only. */
  public static Path directory(Path dir) throws IOException {
    Files.createDirectories(dir);
    ownerOnly(dir);
    return dir;
  }
}
