package dev.lmgate.audit.log;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The records waiting for the log's writer, bounded in count and in the text they hold: large
 * records arriving faster than the disk takes them are refused (strict) or dropped and counted
 * (async) instead of exhausting the heap. Any thread offers; the writer thread takes.
 */
final class PendingQueue {

  /** A record waiting for the writer; {@code weight}: its text in characters. */
  record Pending(ObjectNode record, CompletableFuture<AuditLog.Appended> done, long weight) {}

  /**
   * The most text (in characters, payloads included) records may hold while they wait for the
   * writer. One record alone is always accepted.
   */
  static final long MAX_PENDING_CHARS = 128L << 20;

  private static final Pending STOP = new Pending(null, null, 0);

  private final BlockingQueue<Pending> queue;
  private final AtomicLong pendingChars = new AtomicLong();

  PendingQueue(int capacity) {
    this.queue = new ArrayBlockingQueue<>(capacity);
  }

  /** Queues a record unless there is no room; {@code done} (or null) hears when it is durable. */
  boolean offer(ObjectNode record, CompletableFuture<AuditLog.Appended> done) {
    Pending p = new Pending(record, done, textChars(record));
    long now = pendingChars.addAndGet(p.weight());
    if ((now > MAX_PENDING_CHARS && now != p.weight()) || !queue.offer(p)) {
      pendingChars.addAndGet(-p.weight());
      return false;
    }
    return true;
  }

  /**
   * Waits up to 100 ms for records and moves up to 4096 into {@code batch}; true when the writer
   * was told to stop.
   */
  boolean takeInto(List<Pending> batch) throws InterruptedException {
    Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
    if (first != null) {
      batch.add(first);
      queue.drainTo(batch, 4095);
    }
    return batch.remove(STOP);
  }

  /** The writer is done with {@code batch}: its room is free again. */
  void released(List<Pending> batch) {
    long w = 0;
    for (Pending p : batch) {
      w += p.weight();
    }
    pendingChars.addAndGet(-w);
  }

  /** Everything still queued, once the writer stops. */
  List<Pending> rest() {
    List<Pending> rest = new ArrayList<>();
    queue.drainTo(rest);
    rest.remove(STOP);
    return rest;
  }

  /** Tells the writer to stop after what is queued before this. */
  void stop() {
    while (!queue.offer(STOP)) {
      Thread.onSpinWait();
    }
  }

  /** The characters of text a record holds: every string in it (an iterative walk). */
  static long textChars(ObjectNode record) {
    long n = 0;
    ArrayDeque<JsonNode> todo = new ArrayDeque<>();
    todo.push(record);
    while (!todo.isEmpty()) {
      JsonNode node = todo.pop();
      if (node.isTextual()) {
        n += node.textValue().length();
      } else if (node.isContainerNode()) {
        node.forEach(todo::push);
      }
    }
    return n;
  }
}
