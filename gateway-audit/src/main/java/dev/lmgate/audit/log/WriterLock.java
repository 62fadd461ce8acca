package dev.lmgate.audit.log;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lmgate.audit.checkpoint.FilePermissions;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The exclusive right to write one audit directory, held from {@link #acquire} to {@link #close}:
 * an OS file lock on {@code writer.lock} in the directory, so that a second gateway (or any other
 * writer) on the same directory is refused at once instead of interleaving its records with this
 * one's. The OS releases the lock when the process dies, however it dies ({@code kill -9}
 * included), so a crash never leaves the directory locked.
 *
 * <p>The lock file names its holder (pid, host, when the process started and when it took the lock)
 * so the refusal can say who holds it; that text is information for the operator, never the test of
 * whether the lock is held (a pid may be reused, a host name shared) — only the OS lock is. A
 * writer that closes cleanly marks the file released; a holder found without that mark when the
 * lock is taken again ended without closing (a crash), which recovery reports.
 *
 * <p>Readers ({@code lmgate audit verify | show | export | prove}) take no lock: they read while a
 * gateway writes.
 *
 * <p>File locks belong to the whole JVM: a second lock of the same file from the same process is
 * not refused by the OS but throws {@link OverlappingFileLockException}. The directories this JVM
 * holds are therefore tracked here too, and a second writer in the same process is refused with the
 * same message.
 */
public final class WriterLock implements AutoCloseable {
  /** The lock file's name in the directory it guards. */
  public static final String FILE = "writer.lock";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<Path> HELD_HERE = ConcurrentHashMap.newKeySet();

  private final Path file;
  private final FileChannel channel;
  private final FileLock lock;
  private final JsonNode previous;
  private final Clock clock;
  private boolean closed;

  private WriterLock(
      Path file, FileChannel channel, FileLock lock, JsonNode previous, Clock clock) {
    this.clock = clock;
    this.file = file;
    this.channel = channel;
    this.lock = lock;
    this.previous = previous;
  }

  /**
   * Takes the lock of {@code dir} (created if missing) without waiting.
   *
   * @param clock dates the lock and its release in the lock file
   * @throws Locked when another process, or another writer of this one, holds it
   */
  public static WriterLock acquire(Path dir, Clock clock) throws IOException {
    Path file = dir.toAbsolutePath().normalize().resolve(FILE);
    FilePermissions.directory(file.getParent());
    if (!HELD_HERE.add(file)) {
      throw new Locked(file, "another writer in this process", holder(file));
    }
    FileChannel ch = null;
    try {
      ch =
          FileChannel.open(
              file,
              Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE),
              FilePermissions.ownerOnlyFile(file.getParent()));
      FileLock l;
      try {
        l = ch.tryLock();
      } catch (OverlappingFileLockException sameJvm) {
        l = null; // locked through a channel this class did not open: treat as held
      }
      if (l == null) {
        throw new Locked(file, "another process", holder(file));
      }
      JsonNode before = read(ch).orElse(null);
      write(ch, me(clock));
      return new WriterLock(file, ch, l, before, clock);
    } catch (IOException | RuntimeException e) {
      HELD_HERE.remove(file);
      if (ch != null) {
        ch.close(); // releases a lock taken before the failure
      }
      throw e;
    }
  }

  /** The lock file. */
  public Path file() {
    return file;
  }

  /**
   * The holder before this one when it ended without closing (a crash, {@code kill -9}, a power
   * loss): its pid, host and times as it wrote them. Empty when it closed cleanly or there was
   * none.
   */
  public Optional<JsonNode> crashedHolder() {
    return previous != null && previous.has("pid") && !previous.has("released")
        ? Optional.of(previous)
        : Optional.empty();
  }

  /** Marks the file released and lets the next writer in. */
  @Override
  public synchronized void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      ObjectNode released = me(clock);
      released.put("released", clock.instant().toString());
      write(channel, released);
    } finally {
      try {
        lock.release();
      } finally {
        channel.close();
        HELD_HERE.remove(file);
      }
    }
  }

  /** This process, as the lock file names it. */
  private static ObjectNode me(Clock clock) {
    ObjectNode n = JSON.createObjectNode();
    ProcessHandle self = ProcessHandle.current();
    n.put("pid", self.pid());
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      host = "unknown";
    }
    n.put("host", host);
    self.info().startInstant().ifPresent(t -> n.put("process_started", t.toString()));
    n.put("locked", clock.instant().toString());
    return n;
  }

  private static void write(FileChannel ch, ObjectNode n) throws IOException {
    byte[] b = (JSON.writeValueAsString(n) + "\n").getBytes(StandardCharsets.UTF_8);
    ch.truncate(0);
    ByteBuffer buf = ByteBuffer.wrap(b);
    long pos = 0;
    while (buf.hasRemaining()) {
      pos += ch.write(buf, pos);
    }
    ch.force(true);
  }

  private static Optional<JsonNode> read(FileChannel ch) {
    try {
      long size = Math.min(ch.size(), 4096);
      ByteBuffer b = ByteBuffer.allocate((int) size);
      long pos = 0;
      while (b.hasRemaining() && ch.read(b, pos) > 0) {
        pos = b.position();
      }
      String text = new String(b.array(), 0, b.position(), StandardCharsets.UTF_8).strip();
      return text.isEmpty() ? Optional.empty() : Optional.of(JSON.readTree(text));
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // damaged or foreign content: nothing to tell
    }
  }

  /** The holder as the lock file names it, for a message; the file is read without locking. */
  private static String holder(Path file) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      return read(ch).map(WriterLock::describe).orElse("a holder that has not named itself yet");
    } catch (IOException e) {
      return "a holder that cannot be named (" + e.getMessage() + ")";
    }
  }

  private static String describe(JsonNode n) {
    StringBuilder s =
        new StringBuilder("pid ")
            .append(n.path("pid").asText("?"))
            .append(" on host ")
            .append(n.path("host").asText("?"));
    if (n.has("process_started")) {
      s.append(", process started ").append(n.path("process_started").asText());
    }
    s.append(", lock taken ").append(n.path("locked").asText("?"));
    return s.toString();
  }

  /** Another writer holds the directory. */
  public static final class Locked extends IOException {
    private final transient Path file;

    Locked(Path file, String who, String holder) {
      super(
          "the audit directory "
              + file.getParent()
              + " is being written by "
              + who
              + " ("
              + holder
              + "; lock file "
              + file
              + "). Two writers would interleave their records and break the log: stop the"
              + " other gateway, or give this one its own audit.dir. Reading the log (lmgate"
              + " audit verify, show, export) needs no lock.");
      this.file = file;
    }

    /** The lock file. */
    public Path file() {
      return file;
    }
  }
}
