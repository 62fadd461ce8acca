package dev.lmgate.audit.log;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lmgate.audit.checkpoint.Checkpoint;
import dev.lmgate.audit.checkpoint.CheckpointStore;
import dev.lmgate.audit.checkpoint.FilePermissions;
import dev.lmgate.audit.checkpoint.SigningKey;
import dev.lmgate.audit.log.PendingQueue.Pending;
import dev.lmgate.audit.merkle.Frontier;
import dev.lmgate.audit.merkle.Merkle;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The append-only, hash-chained, Merkle-tree audit log of one directory.
 *
 * <p>One writer thread takes records from a bounded queue, gives each its {@code seq} (its leaf
 * index) and {@code prev} (the previous record's leaf hash), appends the batch as JSON lines to the
 * current segment and, when anyone waits for a record of the batch, syncs once for all of it (group
 * commit). {@link #append} completes when the record is durable; {@link #offer} never waits, counts
 * what a full queue drops, and its records are synced within {@value #LAZY_SYNC_NANOS} ns (a crash
 * may take the last of them; a checkpoint never covers unsynced records). A write the disk refuses
 * fails that batch's futures and is undone; the next batch tries again.
 *
 * <p>Every {@code checkpointInterval} with new records, and on {@link #close}, the writer signs a
 * checkpoint of the tree into the checkpoint directory. Opening a log re-reads and checks it: an
 * incomplete last record (a crash mid-write) is cut off and noted in a {@code recovery} record;
 * anything else that fails verification refuses to open.
 *
 * <p>One writer per directory: opening takes the {@link WriterLock} of the segment directory and of
 * the checkpoint directory, and the writer thread holds them until it has written its last record
 * and checkpoint. A second writer, in this process or another, is refused at once with the holder's
 * name, so records of two writers can never interleave: a problem in the middle of the log is
 * always tampering, and only the tail a dead writer left half-written is a crash. The recovery
 * record says which writer died (the lock file names it).
 */
public final class AuditLog implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AuditLog.class);
  private static final JsonNodeFactory NODES = CanonicalJson.NODES;

  /** Hears what the writer does; called on the writer thread, must not block. */
  public interface Observer {
    /** A record is durable. */
    default void appended(long seq, JsonNode record) {}

    /** The disk refused a write; the records of that batch were not kept. */
    default void writeFailed(IOException cause) {}

    /** Writing works again after a failure. */
    default void writeRecovered() {}

    /** The queue was full and a record offered without waiting was dropped. */
    default void dropped(long totalDropped) {}
  }

  /** Where a record went. */
  public record Appended(long seq, byte[] leafHash) {}

  /**
   * How long records nobody waits for (async mode, security events) may sit unsynced: their batches
   * share one sync at most this often, since a sync costs far more than a write.
   */
  static final long LAZY_SYNC_NANOS = 200_000_000L;

  private final LogSettings settings;
  private final SigningKey signer;
  private final Clock clock;
  private final Observer observer;
  private final CheckpointStore checkpoints;
  private final PendingQueue queue;
  private final Thread writer;
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong durable = new AtomicLong();
  // writer-thread state. Only the frontier of the tree is kept (O(log n)), never every leaf hash:
  // a gateway under load appends millions of records a day. Proofs read the log from disk.
  private long size; // records in the log
  private Frontier frontier; // set once the log is recovered
  private byte[] lastLeaf;
  private SegmentFile segment;
  private long segmentSize;
  private volatile boolean failing; // read by healthy() from any thread
  private Instant failingSince;
  private String failingCause;
  private long checkpointedSize = -1;
  private long lastCheckpointNanos = System.nanoTime();
  private boolean dirty; // appended but not yet synced
  private long lastSyncNanos = System.nanoTime();
  private volatile boolean closed;
  private final List<WriterLock> locks; // released by the writer thread when it ends

  private AuditLog(
      LogSettings settings,
      SigningKey signer,
      Clock clock,
      Observer observer,
      List<WriterLock> locks) {
    this.settings = settings;
    this.locks = locks;
    this.signer = signer;
    this.clock = clock;
    this.observer = observer;
    this.checkpoints = new CheckpointStore(settings.checkpoints());
    this.queue = new PendingQueue(settings.queueCapacity());
    this.writer = new Thread(this::run, "lmgate-audit-writer");
    this.writer.setDaemon(true);
  }

  /**
   * Opens (creating if needed) the log, checks it and starts the writer.
   *
   * @throws WriterLock.Locked when another writer holds the segment or checkpoint directory
   * @throws AuditLogException when the log fails verification ({@link AuditLogException#tampered})
   */
  public static AuditLog open(
      LogSettings settings, SigningKey signer, Clock clock, Observer observer) throws IOException {
    FilePermissions.directory(settings.segments());
    FilePermissions.directory(settings.checkpoints());
    List<WriterLock> locks = new ArrayList<>(2);
    AuditLog l;
    ObjectNode recovery;
    try {
      locks.add(WriterLock.acquire(settings.segments(), clock));
      Path cps = settings.checkpoints().toAbsolutePath().normalize();
      if (!cps.equals(settings.segments().toAbsolutePath().normalize())) {
        locks.add(
            WriterLock.acquire(cps, clock)); // two logs must not sign into one directory either
      }
      l = new AuditLog(settings, signer, clock, observer, List.copyOf(locks));
      LogRecovery.Recovered r =
          LogRecovery.recover(settings, signer, l.checkpoints, locks.get(0), clock);
      l.frontier = r.frontier();
      l.lastLeaf = r.lastLeaf();
      l.size = r.size();
      l.durable.set(r.size());
      l.checkpointedSize = r.checkpointedSize();
      l.segment = r.segment();
      l.segmentSize = r.segmentSize();
      recovery = r.record();
    } catch (IOException | RuntimeException e) {
      release(locks);
      throw e;
    }
    l.writer.start();
    if (recovery != null) {
      try {
        l.append(recovery).get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        l.close();
        throw new AuditLogException("could not note the recovery in the log", e);
      }
    }
    return l;
  }

  /** Appends a record; the future completes when it is durable, or fails when it cannot be. */
  public CompletableFuture<Appended> append(ObjectNode record) {
    CompletableFuture<Appended> f = new CompletableFuture<>();
    if (closed) {
      f.completeExceptionally(new AuditLogException("the audit log is closed", false));
    } else if (!queue.offer(record, f)) {
      f.completeExceptionally(new AuditLogException("the audit queue is full", false));
    }
    return f;
  }

  /** Appends without waiting; returns false (and counts a drop) when the queue is full. */
  public boolean offer(ObjectNode record) {
    if (!closed && queue.offer(record, null)) {
      return true;
    }
    observer.dropped(dropped.incrementAndGet());
    return false;
  }

  public long dropped() {
    return dropped.get();
  }

  /** Records durable so far. */
  public long size() {
    return durable.get();
  }

  /** Whether the last write succeeded. */
  public boolean healthy() {
    return !failing;
  }

  public CheckpointStore checkpoints() {
    return checkpoints;
  }

  private void run() {
    List<Pending> batch = new ArrayList<>();
    boolean stopping = false;
    while (!stopping) {
      try {
        stopping = queue.takeInto(batch);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        stopping = true;
      }
      if (!batch.isEmpty()) {
        try {
          write(batch);
        } catch (Throwable t) { // out of memory, say: the writer must live on, and say it failed
          writeFailedHard(batch, t);
        }
        queue.released(batch);
        batch.clear();
      } else if (failing && !stopping) {
        probe();
      }
      if (dirty && System.nanoTime() - lastSyncNanos >= LAZY_SYNC_NANOS) {
        lazySync();
      }
      if (System.nanoTime() - lastCheckpointNanos >= settings.checkpointInterval().toNanos()) {
        checkpoint();
      }
    }
    List<Pending> rest = queue.rest();
    if (!rest.isEmpty()) {
      write(rest);
    }
    checkpoint();
    try {
      if (segment != null) {
        segment.close();
      }
    } catch (IOException e) {
      log.warn("closing the audit segment failed: {}", e.toString());
    }
    release(locks); // nothing of this log writes any more
  }

  private static void release(List<WriterLock> locks) {
    for (WriterLock l : locks) {
      try {
        l.close();
      } catch (IOException e) {
        log.warn("releasing {} failed: {}", l.file(), e.toString());
      }
    }
  }

  /** A batch is appended in pieces of about this many bytes (large payloads, many records). */
  static final int MAX_BATCH_BYTES = 8 << 20;

  /**
   * The writer could not even build a batch (an {@code Error} such as running out of memory): the
   * records are lost, the log says so and turns unhealthy (strict mode refuses requests, readiness
   * fails) until a later write succeeds, and whoever waits hears it.
   */
  private void writeFailedHard(List<Pending> batch, Throwable t) {
    IOException cause = new IOException("the audit writer failed: " + t, t);
    failing(cause);
    for (Pending p : batch) {
      if (p.done() != null) {
        p.done()
            .completeExceptionally(new AuditLogException("the audit log cannot be written", cause));
      }
    }
    observer.writeFailed(cause);
  }

  /**
   * Appends a batch in pieces of about {@link #MAX_BATCH_BYTES}, so the memory a batch takes is
   * bounded by a piece, not by the batch. A piece that fails fails the rest of the batch alike
   * (rather than leave a hole in the sequence).
   */
  private void write(List<Pending> batch) {
    int from = 0;
    while (from < batch.size()) {
      int written = writePiece(batch.subList(from, batch.size()));
      if (written < 0) {
        for (Pending p : batch.subList(from, batch.size())) {
          if (p.done() != null && !p.done().isDone()) {
            p.done()
                .completeExceptionally(
                    new AuditLogException("the audit log cannot be written", false));
          }
        }
        return;
      }
      from += written;
    }
  }

  /** Appends the first records of {@code all} up to a piece's size; how many, or -1 on failure. */
  private int writePiece(List<Pending> all) {
    long base = size;
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(all.size() * 512, 1 << 20));
    List<byte[]> hashes = new ArrayList<>();
    byte[] prev = lastLeaf;
    int n = all.size();
    for (int i = 0; i < n; i++) {
      ObjectNode r = all.get(i).record();
      r.put("seq", base + i);
      r.put("prev", prev == null ? LogReader.ZERO_HASH : HexFormat.of().formatHex(prev));
      byte[] line = CanonicalJson.encode(r);
      byte[] leaf = Merkle.leafHash(line);
      out.writeBytes(line);
      out.write('\n');
      hashes.add(leaf);
      prev = leaf;
      if (out.size() >= MAX_BATCH_BYTES) {
        n = i + 1; // this piece ends here; the caller writes the rest
        break;
      }
    }
    List<Pending> batch = all.subList(0, n);
    long before = -1;
    try {
      if (segment == null
          || (segmentSize > 0 && segmentSize + out.size() > settings.segmentBytes())) {
        roll(base);
      }
      before = segmentSize;
      segment.append(ByteBuffer.wrap(out.toByteArray()));
      boolean awaited = failing || batch.stream().anyMatch(p -> p.done() != null);
      if (awaited) {
        segment.sync(); // group commit: one sync for everyone waiting
        dirty = false;
        lastSyncNanos = System.nanoTime();
      } else {
        dirty = true;
      }
      segmentSize = before + out.size();
    } catch (IOException | RuntimeException e) {
      IOException cause = e instanceof IOException io ? io : new IOException(e);
      if (before >= 0) {
        try {
          segment.truncate(before);
        } catch (IOException | RuntimeException ignored) {
          // The disk refuses even that; the torn tail is found and cut at the next open.
        }
      }
      failing(cause); // unhealthy before anyone hears of it, so what they check next agrees
      for (Pending p : batch) {
        if (p.done() != null) {
          p.done()
              .completeExceptionally(
                  new AuditLogException("the audit log cannot be written", cause));
        }
      }
      observer.writeFailed(cause);
      return -1;
    }
    if (failing) {
      failing = false;
      log.warn("audit log writes succeed again");
      observer.writeRecovered();
    }
    size += hashes.size();
    hashes.forEach(frontier::add);
    lastLeaf = prev;
    durable.set(size);
    for (int i = 0; i < batch.size(); i++) {
      Pending p = batch.get(i);
      observer.appended(base + i, p.record());
      if (p.done() != null) {
        p.done().complete(new Appended(base + i, hashes.get(i)));
      }
    }
    return n;
  }

  /**
   * While writes fail and nothing else arrives, tries (every 250 ms) to write a record of the
   * outage itself; the first that succeeds ends the outage, so a strict gateway that refuses
   * requests meanwhile starts serving again on its own.
   */
  private void probe() {
    ObjectNode n = NODES.objectNode();
    n.put("kind", "outage");
    n.put("time", clock.instant().toString());
    n.put("since", failingSince.toString());
    n.put(
        "detail",
        "the audit log could not be written ("
            + failingCause
            + "); meanwhile strict mode refused answers and async mode dropped records");
    List<Pending> one = new ArrayList<>(1);
    one.add(new Pending(n, null, 0));
    write(one);
  }

  /** Syncs records nobody waited for; a failure is reported like a failed write. */
  private void lazySync() {
    try {
      segment.sync();
      dirty = false;
      lastSyncNanos = System.nanoTime();
    } catch (IOException | RuntimeException e) {
      IOException cause = e instanceof IOException io ? io : new IOException(e);
      failing(cause);
      observer.writeFailed(cause);
    }
  }

  /** Writing failed: the log is unhealthy until a write succeeds; the outage's start is kept. */
  private void failing(IOException cause) {
    if (!failing) {
      log.error("audit log write failed: {}", cause.toString());
      failingSince = clock.instant();
      failingCause = cause.getMessage() == null ? cause.toString() : cause.getMessage();
    }
    failing = true;
  }

  private void roll(long firstSeq) throws IOException {
    if (segment != null) {
      if (dirty) {
        segment.sync();
        dirty = false;
      }
      segment.close();
      segment = null;
    }
    Path f = settings.segments().resolve(String.format("seg-%012d.jsonl", firstSeq));
    FilePermissions.createOwnerOnly(f); // owner-only from the start, not chmod-ed after opening
    segment = settings.opener().open(f);
    segmentSize = segment.size();
  }

  /** Signs a checkpoint of the current tree if it grew since the last one. */
  private void checkpoint() {
    lastCheckpointNanos = System.nanoTime();
    long size = frontier.size();
    if (size == checkpointedSize) {
      return;
    }
    if (dirty) {
      lazySync(); // a checkpoint never covers records that a crash could still take away
      if (dirty) {
        return;
      }
    }
    Checkpoint cp = new Checkpoint(settings.origin(), size, frontier.root(), clock.instant());
    try {
      checkpoints.write(size, signer.sign(cp.body()));
      checkpointedSize = size;
    } catch (IOException e) {
      log.error("writing an audit checkpoint failed: {}", e.toString());
      observer.writeFailed(e);
    }
  }

  /** The time the log's clock reads now. */
  public Instant now() {
    return clock.instant();
  }

  /** Stops the writer after it wrote everything queued and signed a final checkpoint. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    queue.stop();
    try {
      writer.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Exposed for proofs: the checkpoint of the newest stored size, if any. */
  public Optional<CheckpointStore.Stored> latestCheckpoint() throws IOException {
    List<CheckpointStore.Stored> l = checkpoints.list();
    return l.isEmpty() ? Optional.empty() : Optional.of(l.get(l.size() - 1));
  }
}
