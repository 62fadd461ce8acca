package dev.lmgate.filters.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class FairScanSchedulerTest {
  static final Duration LONG = Duration.ofMinutes(1);

  @Test
  void oneCallersHeavyScansQueueBehindEachOtherNotInFrontOfOtherCallers() throws Exception {
    FairScanScheduler s = new FairScanScheduler(1, 16);
    List<String> order = new CopyOnWriteArrayList<>();
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch started = new CountDownLatch(1);
    CompletableFuture<String> a1 =
        s.submit(
            "a",
            ScanBudget.of(LONG),
            () -> {
              started.countDown();
              await(release);
              order.add("a1");
              return "a1";
            });
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
    CompletableFuture<String> a2 = s.submit("a", ScanBudget.of(LONG), () -> add(order, "a2"));
    CompletableFuture<String> a3 = s.submit("a", ScanBudget.of(LONG), () -> add(order, "a3"));
    CompletableFuture<String> b1 = s.submit("b", ScanBudget.of(LONG), () -> add(order, "b1"));
    release.countDown();
    CompletableFuture.allOf(a1, a2, a3, b1).get(10, TimeUnit.SECONDS);
    assertThat(order).containsExactly("a1", "b1", "a2", "a3");
  }

  @Test
  void aCallerRunsOneScanAtATimeSoAnotherCallerGetsAFreeWorker() throws Exception {
    FairScanScheduler s = new FairScanScheduler(2, 16);
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch aRunning = new CountDownLatch(1);
    CompletableFuture<String> a1 =
        s.submit(
            "a",
            ScanBudget.of(LONG),
            () -> {
              aRunning.countDown();
              await(release);
              return "a1";
            });
    assertThat(aRunning.await(10, TimeUnit.SECONDS)).isTrue();
    CompletableFuture<String> a2 = s.submit("a", ScanBudget.of(LONG), () -> "a2");
    CompletableFuture<String> b1 = s.submit("b", ScanBudget.of(LONG), () -> "b1");
    // b's scan finishes while a's first one still holds a worker and a's second one waits
    assertThat(b1.get(10, TimeUnit.SECONDS)).isEqualTo("b1");
    assertThat(a2).isNotDone();
    release.countDown();
    assertThat(a2.get(10, TimeUnit.SECONDS)).isEqualTo("a2");
    assertThat(a1.get(10, TimeUnit.SECONDS)).isEqualTo("a1");
  }

  @Test
  void aScanWhoseBudgetRanOutWhileWaitingNeverRuns() throws Exception {
    FairScanScheduler s = new FairScanScheduler(1, 16);
    CountDownLatch release = occupyAWorker(s, "a");
    List<String> ran = new CopyOnWriteArrayList<>();
    CompletableFuture<String> late =
        s.submit("b", ScanBudget.of(Duration.ZERO), () -> add(ran, "x"));
    ScanBudget cancelled = ScanBudget.of(LONG);
    CompletableFuture<String> abandoned = s.submit("c", cancelled, () -> add(ran, "y"));
    abandoned.cancel(false); // the chain stopped waiting: its budget is cancelled
    release.countDown();
    assertThatThrownBy(() -> late.get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(ScanBudgetExceeded.class);
    assertThat(cancelled.exhausted()).isTrue();
    // a scan queued after both runs: the worker is free and skipped the two
    assertThat(s.submit("d", ScanBudget.of(LONG), () -> "d").get(10, TimeUnit.SECONDS))
        .isEqualTo("d");
    assertThat(ran).isEmpty();
  }

  @Test
  void aQueuedScanFailsAtItsDeadlineWithoutWaitingForTheWorker() throws Exception {
    FairScanScheduler s = new FairScanScheduler(1, 16);
    CountDownLatch release = occupyAWorker(s, "a");
    List<String> ran = new CopyOnWriteArrayList<>();
    CompletableFuture<String> queued =
        s.submit("a", ScanBudget.of(Duration.ofMillis(50)), () -> add(ran, "late"));
    // the worker is still held: the future fails on its own at the deadline
    assertThatThrownBy(() -> queued.get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(ScanBudgetExceeded.class);
    release.countDown();
    assertThat(s.submit("a", ScanBudget.of(LONG), () -> "next").get(10, TimeUnit.SECONDS))
        .isEqualTo("next");
    assertThat(ran).isEmpty();
  }

  @Test
  void aCallerFloodingItsQueueIsRefusedWithoutGrowingIt() throws Exception {
    FairScanScheduler s = new FairScanScheduler(1, 2);
    CountDownLatch release = occupyAWorker(s, "a");
    s.submit("a", ScanBudget.of(LONG), () -> "");
    s.submit("a", ScanBudget.of(LONG), () -> "");
    CompletableFuture<String> third = s.submit("a", ScanBudget.of(LONG), () -> "");
    assertThat(third).isCompletedExceptionally();
    assertThatThrownBy(third::join).hasCauseInstanceOf(FairScanScheduler.ScanQueueFull.class);
    // another caller is not affected by a's full queue
    CompletableFuture<String> b = s.submit("b", ScanBudget.of(LONG), () -> "b");
    release.countDown();
    assertThat(b.get(10, TimeUnit.SECONDS)).isEqualTo("b");
  }

  @Test
  void closingFailsWhatWaitsAndWhatComesLater() throws Exception {
    FairScanScheduler s = new FairScanScheduler(1, 16);
    CountDownLatch release = occupyAWorker(s, "a");
    List<String> ran = new CopyOnWriteArrayList<>();
    CompletableFuture<String> waiting = s.submit("b", ScanBudget.of(LONG), () -> add(ran, "b"));
    s.close();
    release.countDown();
    assertThatThrownBy(() -> waiting.get(10, TimeUnit.SECONDS))
        .hasCauseInstanceOf(ScanBudgetExceeded.class);
    assertThat(s.submit("c", ScanBudget.of(LONG), () -> add(ran, "c"))).isCompletedExceptionally();
    assertThat(ran).isEmpty();
  }

  @Test
  void anErrorInsideAScanFailsItsFutureAndTheWorkerGoesOn() throws Exception {
    FairScanScheduler s = new FairScanScheduler(1, 4);
    CompletableFuture<String> bad =
        s.submit(
            "a",
            ScanBudget.of(LONG),
            () -> {
              throw new StackOverflowError();
            });
    assertThatThrownBy(() -> bad.get(10, TimeUnit.SECONDS))
        .hasCauseInstanceOf(StackOverflowError.class);
    assertThat(s.submit("a", ScanBudget.of(LONG), () -> "ok").get(10, TimeUnit.SECONDS))
        .isEqualTo("ok");
  }

  /** Submits a scan for {@code caller} that holds its worker until the latch returned opens. */
  private static CountDownLatch occupyAWorker(FairScanScheduler s, String caller)
      throws InterruptedException {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch started = new CountDownLatch(1);
    s.submit(
        caller,
        ScanBudget.of(LONG),
        () -> {
          started.countDown();
          await(release);
          return "";
        });
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
    return release;
  }

  private static String add(List<String> order, String name) {
    order.add(name);
    return name;
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("not released");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
