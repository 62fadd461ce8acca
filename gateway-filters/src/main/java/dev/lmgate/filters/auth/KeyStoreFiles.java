package dev.lmgate.filters.auth;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The files of a {@link FileKeyStore} on disk and the discipline of writing them: one writer at a
 * time per store (this JVM's lock, then a file lock on {@code <store>.lock} between processes),
 * every file replaced whole and owner-only from its creation, and the {@code <store>.pepper} file
 * created once under that lock. Callers hold {@link #withWriteLock} around every read-modify-write
 * of the store.
 */
final class KeyStoreFiles {
  private static final SecureRandom RANDOM = new SecureRandom();

  /** How long a writer waits for another writer's lock before giving up. */
  private static final long LOCK_WAIT_MILLIS = 30_000;

  /** Writers of this JVM by lock file: a file lock excludes other processes, not other threads. */
  private static final ConcurrentHashMap<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

  private KeyStoreFiles() {}

  /** The pepper: configured, or from the pepper file (created if {@code create}), or null. */
  static byte[] pepper(Path store, String configured, boolean create) throws IOException {
    if (configured != null && !configured.isEmpty()) {
      if (configured.length() < 32) {
        throw new IllegalArgumentException("pepper: *** (expected: at least 32 characters)");
      }
      return configured.getBytes(StandardCharsets.UTF_8);
    }
    Path p = store.resolveSibling(store.getFileName() + ".pepper");
    if (!Files.exists(p) && !create) {
      return null;
    }
    if (!Files.exists(p)) {
      // Under the writers' lock, so that two first writers agree on one pepper; written whole and
      // owner-only from its creation, so that no reader ever sees it partial or readable by others.
      withWriteLock(
          store,
          () -> {
            if (!Files.exists(p)) {
              byte[] raw = new byte[32];
              RANDOM.nextBytes(raw);
              replaceOwnerOnly(p, Base64.getEncoder().encode(raw));
            }
          });
    }
    String text = Files.readString(p, StandardCharsets.US_ASCII).trim();
    if (text.length() < 32) {
      throw new IllegalArgumentException(
          p + ": pepper too short (expected: at least 32 characters)");
    }
    return text.getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Replaces {@code target} with {@code content}: written to a temporary file that is owner-only
   * (0600) from its creation — never a {@code chmod} after the fact, which leaves a window in which
   * anyone may open it — made durable, then renamed over the target atomically. Call it holding the
   * write lock.
   */
  static void replaceOwnerOnly(Path target, byte[] content) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp", ownerOnly(dir));
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ByteBuffer b = ByteBuffer.wrap(content);
        while (b.hasRemaining()) {
          ch.write(b);
        }
        ch.force(true); // durable before the rename makes it the store
      }
      try {
        Files.move(
            tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** The attributes that create a file 0600; none where there are no POSIX modes. */
  private static FileAttribute<?>[] ownerOnly(Path dir) throws IOException {
    return Files.getFileStore(dir).supportsFileAttributeView("posix")
        ? new FileAttribute<?>[] {
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))
        }
        : new FileAttribute<?>[0]; // elsewhere the directory's access control applies
  }

  /** Work done while holding the store's write lock. */
  @FunctionalInterface
  interface Locked {
    void run() throws IOException;
  }

  /**
   * Runs {@code work} holding the exclusive write lock of {@code store}: first this JVM's lock for
   * the file, then the file lock on {@code <store>.lock} (an overlapping file lock from a second
   * channel of the same JVM would throw instead of wait). Waits up to {@value #LOCK_WAIT_MILLIS} ms
   * for another writer.
   */
  static void withWriteLock(Path store, Locked work) throws IOException {
    Path lock = store.resolveSibling(store.getFileName() + ".lock").toAbsolutePath().normalize();
    Files.createDirectories(lock.getParent());
    ReentrantLock jvm =
        JVM_LOCKS.computeIfAbsent(lock, k -> new ReentrantLock(true)); // fair: in turn
    try {
      if (!jvm.tryLock(LOCK_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
        throw new IOException(store + ": another writer in this process holds the key store lock");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(store + ": interrupted waiting for the key store lock", e);
    }
    try {
      if (jvm.getHoldCount() > 1) {
        work.run(); // this thread holds the file lock already (the pepper inside an update)
        return;
      }
      try (FileChannel ch =
              FileChannel.open(
                  lock,
                  java.util.Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
                  ownerOnly(lock.getParent()));
          FileLock held = fileLock(ch, store)) {
        work.run();
      }
    } finally {
      jvm.unlock();
    }
  }

  /** The file lock, waiting for another process's writer up to {@value #LOCK_WAIT_MILLIS} ms. */
  private static FileLock fileLock(FileChannel ch, Path store) throws IOException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LOCK_WAIT_MILLIS);
    while (true) {
      FileLock l = ch.tryLock();
      if (l != null) {
        return l;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new IOException(
            store + ": another process has held the key store's write lock for over 30 s");
      }
      try {
        Thread.sleep(10); // writers hold it for one read-modify-write: milliseconds
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(store + ": interrupted waiting for the key store lock", e);
      }
    }
  }
}
