package dev.lmgate.filters.budget;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Runs heavy scans (large conversations, long answers) off the event loop on a few workers, fairly
 * between callers: each caller has its own queue, a caller runs at most one scan at a time, and
 * free workers take the next scan from the callers in round-robin order. One caller's heavy
 * requests therefore queue behind each other, never in front of another caller's requests: with
 * {@code w} workers, another caller's scan waits for at most {@code w - 1} running scans of other
 * callers only when every worker is busy with a different caller.
 *
 * <p>A scan whose {@link ScanBudget} ran out while it waited is not started: its future fails with
 * {@link ScanBudgetExceeded}. A queue per caller is bounded; a caller that floods it gets {@link
 * ScanQueueFull} (the filter's {@code on-error} answers it) instead of growing memory.
 *
 * <p>Thread-safe. Workers are daemon threads named {@code lmgate-guard-scan}.
 */
public final class FairScanScheduler implements AutoCloseable {
  /** A caller's queue is full. */
  public static final class ScanQueueFull extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ScanQueueFull() {
      super("too many scans waiting for this caller", null, false, false);
    }
  }

  private record Task(ScanBudget budget, Runnable run) {}

  /** Fails a scan's future at its deadline; one daemon thread for every scheduler. */
  private static final java.util.concurrent.ScheduledThreadPoolExecutor DEADLINES = deadlines();

  private static java.util.concurrent.ScheduledThreadPoolExecutor deadlines() {
    java.util.concurrent.ScheduledThreadPoolExecutor e =
        new java.util.concurrent.ScheduledThreadPoolExecutor(
            1,
            run -> {
              Thread t = new Thread(run, "lmgate-scan-deadlines");
              t.setDaemon(true);
              return t;
            });
    e.setRemoveOnCancelPolicy(true); // finished scans leave no timer behind
    return e;
  }

  private final int maxQueuedPerCaller;
  private final Object lock = new Object();
  private final Map<String, ArrayDeque<Task>> queues = new HashMap<>(); // callers with work waiting
  private final ArrayDeque<String> turn = new ArrayDeque<>(); // waiting callers not running, RR
  private final Map<String, Integer> running = new HashMap<>();
  private boolean closed; // guarded by lock

  /**
   * @param workers threads that run scans
   * @param maxQueuedPerCaller scans one caller may have waiting
   */
  public FairScanScheduler(int workers, int maxQueuedPerCaller) {
    if (workers < 1 || maxQueuedPerCaller < 1) {
      throw new IllegalArgumentException("workers and queue must be > 0");
    }
    this.maxQueuedPerCaller = maxQueuedPerCaller;
    for (int i = 0; i < workers; i++) {
      Thread t = new Thread(this::work, "lmgate-guard-scan-" + i);
      t.setDaemon(true);
      t.start();
    }
  }

  /** The process's scheduler: as many workers as cores (at least two), 64 waiting per caller. */
  public static FairScanScheduler forThisMachine() {
    return new FairScanScheduler(Math.max(2, Runtime.getRuntime().availableProcessors()), 64);
  }

  /**
   * Queues a scan for {@code caller}.
   *
   * @param caller who asked (a principal id, or the client's address when anonymous)
   * @param budget the scan's budget: checked before it starts, and by the scan itself
   * @return the scan's result; failed with {@link ScanBudgetExceeded} if it ran out waiting, with
   *     {@link ScanQueueFull} if the caller has too many scans waiting, or with what the scan threw
   */
  public <T> CompletableFuture<T> submit(String caller, ScanBudget budget, Supplier<T> scan) {
    CompletableFuture<T> result = new CompletableFuture<>();
    Runnable run =
        () -> {
          if (budget.exhausted()) {
            result.completeExceptionally(new ScanBudgetExceeded());
            return;
          }
          try {
            result.complete(scan.get());
          } catch (Throwable t) { // StackOverflowError too: the caller still gets an answer
            result.completeExceptionally(t);
          }
        };
    synchronized (lock) {
      if (closed) {
        result.completeExceptionally(new ScanBudgetExceeded());
        return result;
      }
      ArrayDeque<Task> q = queues.get(caller);
      if (q == null) {
        q = new ArrayDeque<>();
        queues.put(caller, q);
        if (running.getOrDefault(caller, 0) == 0) {
          turn.addLast(caller);
        }
      }
      if (q.size() >= maxQueuedPerCaller) {
        result.completeExceptionally(new ScanQueueFull());
        return result;
      }
      q.addLast(new Task(budget, run));
      lock.notify();
    }
    // The answer never waits past the budget's deadline, even while the scan is still queued behind
    // this caller's others: the future fails then, and the caller answers at once.
    long left = budget.remainingNanos();
    if (left != Long.MAX_VALUE) {
      java.util.concurrent.ScheduledFuture<?> expiry =
          DEADLINES.schedule(
              () -> result.completeExceptionally(new ScanBudgetExceeded()),
              left,
              java.util.concurrent.TimeUnit.NANOSECONDS);
      result.whenComplete((v, e) -> expiry.cancel(false));
    }
    // A caller that stops waiting (the chain's timeout, the deadline) cancels the scan's budget,
    // so a queued scan is skipped and a running one stops at its next check.
    result.whenComplete((v, e) -> budget.cancel());
    return result;
  }

  /**
   * Stops the workers once they are idle (the gateway's environment closes it with the gateway);
   * scans still waiting fail, and later submissions fail at once.
   */
  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      for (ArrayDeque<Task> q : queues.values()) {
        for (Task t : q) {
          t.budget().cancel(); // the task completes exceptionally when a worker skips it
        }
      }
      lock.notifyAll();
    }
  }

  /** Scans waiting, all callers together (for tests and metrics). */
  public int waiting() {
    synchronized (lock) {
      int n = 0;
      for (ArrayDeque<Task> q : queues.values()) {
        n += q.size();
      }
      return n;
    }
  }

  private void work() {
    while (true) {
      String caller;
      Task task;
      synchronized (lock) {
        while (turn.isEmpty()) {
          if (closed) {
            return;
          }
          try {
            lock.wait();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
        }
        caller = turn.pollFirst();
        ArrayDeque<Task> q = queues.get(caller);
        task = q.pollFirst();
        if (q.isEmpty()) {
          queues.remove(caller);
        }
        running.merge(caller, 1, Integer::sum);
      }
      try {
        task.run().run();
      } finally {
        synchronized (lock) {
          running.merge(caller, -1, (a, b) -> a + b == 0 ? null : a + b);
          if (queues.containsKey(caller)) {
            turn.addLast(caller); // its next scan goes behind every other waiting caller
            lock.notify();
          }
        }
      }
    }
  }
}
