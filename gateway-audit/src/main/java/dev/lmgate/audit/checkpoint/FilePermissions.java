package dev.lmgate.audit.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Owner-only permissions (0600 files, 0700 directories) where the file system has POSIX modes.
 *
 * <p>Files that hold secrets or audit data are created owner-only <em>from the start</em> (the mode
 * is an attribute of the create call, never a {@code chmod} after it): a file created with the
 * umask's mode and restricted afterwards can be opened by anyone in between, and an open file
 * descriptor keeps its access after the {@code chmod}.
 */
public final class FilePermissions {
  private FilePermissions() {}

  public static void ownerOnly(Path p) throws IOException {
    if (!posix(p)) {
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

  /**
   * The attributes that create a file owner-only (0600) in {@code dir}; none where the file system
   * has no POSIX modes (the directory's access control applies there).
   */
  public static FileAttribute<?>[] ownerOnlyFile(Path dir) throws IOException {
    return posix(dir)
        ? new FileAttribute<?>[] {
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))
        }
        : new FileAttribute<?>[0];
  }

  /** Creates an empty, owner-only file if none exists; an existing file is left as it is. */
  public static void createOwnerOnly(Path file) throws IOException {
    try {
      Files.createFile(file, ownerOnlyFile(file.toAbsolutePath().getParent()));
    } catch (FileAlreadyExistsException exists) {
      // someone (an earlier run) made it: its mode is whatever it was given then
    }
  }

  /** A new empty temporary file in {@code dir}, owner-only from its creation. */
  public static Path tempFile(Path dir, String prefix) throws IOException {
    return Files.createTempFile(dir, prefix, ".tmp", ownerOnlyFile(dir));
  }

  /** Writes all of {@code content} to an existing file and makes it durable. */
  public static void writeDurably(Path file, byte[] content) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.wrap(content);
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true);
    }
  }

  /**
   * Creates {@code file} holding {@code content}, owner-only from birth, durable, and whole: the
   * content goes to an owner-only temporary file that is then hard-linked to the name, so a reader
   * sees either no file or all of it, and an existing file is never replaced (two processes that
   * both create a key keep one: the first). Where hard links are unsupported the temporary file is
   * renamed without replacing instead.
   *
   * @return {@code true} when this call created the file; {@code false} when it existed already
   *     (the caller reads that one)
   */
  public static boolean createSecret(Path file, byte[] content) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = tempFile(dir, "." + file.getFileName());
    try {
      writeDurably(tmp, content);
      try {
        Files.createLink(file, tmp);
      } catch (FileAlreadyExistsException exists) {
        return false;
      } catch (UnsupportedOperationException | IOException noHardLinks) {
        try {
          Files.move(tmp, file); // without REPLACE_EXISTING: never a racing writer's file
        } catch (FileAlreadyExistsException exists) {
          return false;
        }
      }
      syncDirectory(dir);
      return true;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Makes a rename or link in {@code dir} durable, where the platform can open a directory. */
  public static void syncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Not every platform can open a directory; the rename is still atomic there.
    }
  }

  private static boolean posix(Path p) throws IOException {
    Path existing = p.toAbsolutePath();
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    return existing != null && Files.getFileStore(existing).supportsFileAttributeView("posix");
  }
}
