package dev.lmgate.core.stream;

import dev.lmgate.core.chain.Enforcement;
import dev.lmgate.core.chain.StreamPlan;
import dev.lmgate.spi.FilterOutcome;
import dev.lmgate.spi.StreamInspector.StreamDecision;
import dev.lmgate.spi.StreamReview;
import dev.lmgate.spi.Verdict;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The asynchronous reviewers of a stream ({@link StreamReview}): rounds in which every reviewer
 * sees the answer as it is then, at most one round in flight. A round's verdicts, under each
 * filter's settings ({@link Enforcement}), come back on the connection's loop.
 */
final class ReviewRounds {
  /**
   * A finished round.
   *
   * @param seen events the round's answer included
   * @param complete whether it saw the whole answer
   * @param stop why the stream must end, or null
   */
  record Round(long seen, boolean complete, Stop stop) {}

  /** A reviewer's block: the filter, its reason, and the message the client's ending carries. */
  record Stop(String filterId, String reason, String message) {}

  private final List<StreamPlan.Review> reviews;
  private final Executor loop;
  private final long[] nanos;
  private final FilterOutcome.Outcome[] worst;
  private final String[] reasons;

  /** Characters of new output between rounds; 0: only at the end. */
  final int cadence;

  /** Whether text waits for a passed round before release ({@code stream-hold}). */
  final boolean holdsText;

  private boolean running;
  private long startedAtChars; // output characters when the last round started
  private long passedEvents; // events the last passed round had seen

  ReviewRounds(List<StreamPlan.Review> reviews, Executor loop) {
    this.reviews = List.copyOf(reviews);
    this.loop = loop;
    this.nanos = new long[reviews.size()];
    this.worst = new FilterOutcome.Outcome[reviews.size()];
    this.reasons = new String[reviews.size()];
    Arrays.fill(worst, FilterOutcome.Outcome.PASS);
    Arrays.fill(reasons, "");
    this.cadence =
        reviews.stream().mapToInt(e -> e.review().cadence()).filter(c -> c > 0).min().orElse(0);
    this.holdsText = reviews.stream().anyMatch(e -> e.review().holdsText());
  }

  boolean running() {
    return running;
  }

  /** Whether {@code outputChars} of output call for a round before the end. */
  boolean due(long outputChars) {
    return !running && cadence > 0 && outputChars - startedAtChars >= cadence;
  }

  /** Whether a passed round has seen the event with arrival number {@code seq}. */
  boolean passed(long seq) {
    return !holdsText || seq < passedEvents;
  }

  /** Starts a round over {@code answer}; {@code done} gets its result on the loop. */
  void start(StreamReview.Answer answer, long outputChars, long seenEvents, Consumer<Round> done) {
    running = true;
    startedAtChars = outputChars;
    List<CompletableFuture<StreamDecision>> calls = new ArrayList<>(reviews.size());
    long t0 = System.nanoTime();
    for (StreamPlan.Review e : reviews) {
      CompletableFuture<StreamDecision> call;
      try {
        call =
            e.review()
                .review(answer)
                .toCompletableFuture()
                .orTimeout(e.settings().timeout().toMillis(), TimeUnit.MILLISECONDS);
      } catch (Throwable ex) { // a filter's Errors too: its on-error decides
        call = CompletableFuture.failedFuture(ex);
      }
      calls.add(call);
    }
    boolean complete = answer.complete();
    CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new))
        .handle((v, err) -> null)
        .thenRunAsync(
            () -> {
              running = false;
              Stop stop = settle(calls, System.nanoTime() - t0);
              if (stop == null) {
                passedEvents = Math.max(passedEvents, seenEvents);
              }
              done.accept(new Round(seenEvents, complete, stop));
            },
            loop);
  }

  private Stop settle(List<CompletableFuture<StreamDecision>> calls, long took) {
    for (int i = 0; i < reviews.size(); i++) {
      StreamPlan.Review e = reviews.get(i);
      nanos[i] += took;
      StreamDecision d;
      try {
        d = calls.get(i).join();
      } catch (Throwable ex) { // a filter's Errors too: its on-error decides
        Enforcement.Result failed = Enforcement.failed(e.settings(), ex);
        note(i, failed);
        if (failed.stops()) {
          String why = "filter failed: " + failed.reason();
          return new Stop(e.filterId(), why, null);
        }
        continue;
      }
      Verdict.Kind kind = // reviews block or note; they do not redact
          d.block()
              ? Verdict.Kind.BLOCK
              : d.reason().isEmpty() ? Verdict.Kind.PASS : Verdict.Kind.ALERT;
      Enforcement.Result r = Enforcement.of(e.settings(), kind, d.reason());
      note(i, r);
      if (r.stops()) {
        return new Stop(
            e.filterId(),
            d.reason(),
            "The response was stopped by the gateway's output policy ("
                + e.filterId()
                + ": "
                + d.reason()
                + ").");
      }
    }
    return null;
  }

  private void note(int i, Enforcement.Result r) {
    if (r.outcome().ordinal() > worst[i].ordinal()) {
      worst[i] = r.outcome();
      reasons[i] = r.reason();
    }
  }

  /** One outcome per reviewer: the worst it reached. */
  List<FilterOutcome> outcomes() {
    List<FilterOutcome> l = new ArrayList<>(reviews.size());
    for (int i = 0; i < reviews.size(); i++) {
      l.add(
          new FilterOutcome(
              reviews.get(i).filterId(),
              FilterOutcome.Phase.STREAM,
              worst[i],
              reasons[i],
              nanos[i]));
    }
    return l;
  }
}
