package dev.lmgate.core.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lmgate.core.SharedFixtures;
import dev.lmgate.core.chain.StreamPlan;
import dev.lmgate.core.dialect.StreamAdapter;
import dev.lmgate.spi.FilterOutcome;
import dev.lmgate.spi.FilterSettings;
import dev.lmgate.spi.OutputChannel;
import dev.lmgate.spi.StreamInspector.StreamDecision;
import dev.lmgate.spi.StreamReview;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Asynchronous reviews of a stream: what waits for them, what a block or a failure does. */
class StreamReviewTest {
  static final String CHAT = "/v1/chat/completions";

  /** A reviewer whose verdicts the test hands out one by one. */
  static final class Manual implements StreamReview {
    final int cadence;
    final boolean holds;
    final List<Answer> seen = new CopyOnWriteArrayList<>();
    final List<CompletableFuture<StreamDecision>> calls = new CopyOnWriteArrayList<>();

    Manual(int cadence, boolean holds) {
      this.cadence = cadence;
      this.holds = holds;
    }

    @Override
    public int cadence() {
      return cadence;
    }

    @Override
    public boolean holdsText() {
      return holds;
    }

    @Override
    public CompletionStage<StreamDecision> review(Answer answer) {
      seen.add(answer);
      CompletableFuture<StreamDecision> f = new CompletableFuture<>();
      calls.add(f);
      return f;
    }

    /** Answers the oldest open review. */
    void answer(StreamDecision d) {
      calls.stream().filter(c -> !c.isDone()).findFirst().orElseThrow().complete(d);
    }

    void fail(Throwable t) {
      calls.stream().filter(c -> !c.isDone()).findFirst().orElseThrow().completeExceptionally(t);
    }

    boolean open() {
      return calls.stream().anyMatch(c -> !c.isDone());
    }
  }

  /** The client's side: everything the guard released, in order, and whether it ended. */
  static final class Client {
    final ByteArrayOutputStream got = new ByteArrayOutputStream();
    String blockedBy;
    String reason;
    boolean ended;

    void take(StreamGuard.Step s) {
      got.writeBytes(s.release());
      if (s.blocked()) {
        blockedBy = s.blockedBy();
        reason = s.reason();
      }
      ended |= s.ended();
    }

    String text() {
      return got.toString(StandardCharsets.UTF_8);
    }
  }

  static StreamGuard guard(Manual review, FilterSettings.OnError onError, Client client) {
    StreamGuard g =
        new StreamGuard(StreamAdapter.forRoute(StreamGuardTest.route(CHAT)), List.of(), 1 << 20);
    g.reviewWith(
        List.of(
            new StreamPlan.Review(
                "judge",
                new FilterSettings(FilterSettings.Action.BLOCK, Duration.ofSeconds(5), onError),
                review)),
        Runnable::run,
        client::take,
        1 << 20);
    return g;
  }

  static void feed(StreamGuard g, Client c, byte[] sse) {
    c.take(g.onBytes(sse));
  }

  @Test
  void heldTextWaitsForEachReviewAndTheEndingForTheFinalOne() {
    byte[] sse = SharedFixtures.bytes("chat-completion-stream.sse");
    String whole = StreamGuardTest.assembled(CHAT, new String(sse, StandardCharsets.UTF_8));
    Manual judge = new Manual(8, true);
    Client client = new Client();
    StreamGuard g = guard(judge, FilterSettings.OnError.FAIL_CLOSED, client);

    feed(g, client, sse);
    assertThat(client.text()).as("nothing unreviewed is released").isEmpty();
    assertThat(judge.seen).hasSize(1);
    String firstSeen = judge.seen.get(0).text(OutputChannel.CONTENT).strip();
    assertThat(whole).startsWith(firstSeen);

    client.take(g.onEnd());
    assertThat(client.ended).isFalse();
    judge.answer(StreamDecision.pass()); // the first round passes what it saw
    String released = StreamGuardTest.assembled(CHAT, client.text());
    assertThat(released).isEqualTo(firstSeen);
    assertThat(judge.seen).as("the final round starts").hasSize(2);
    assertThat(judge.seen.get(1).complete()).isTrue();
    assertThat(judge.seen.get(1).text(OutputChannel.CONTENT).strip()).isEqualTo(whole);
    assertThat(client.text()).doesNotContain("[DONE]");

    judge.answer(StreamDecision.pass());
    assertThat(client.ended).isTrue();
    assertThat(client.text()).isEqualTo(new String(sse, StandardCharsets.UTF_8));
    assertThat(g.outcomes())
        .singleElement()
        .extracting(FilterOutcome::verdict)
        .isEqualTo(FilterOutcome.Outcome.PASS);
  }

  @Test
  void aBlockingReviewEndsTheStreamWellFormedWithNothingItDidNotPass() {
    byte[] sse = SharedFixtures.bytes("chat-completion-stream.sse");
    Manual judge = new Manual(0, true);
    Client client = new Client();
    StreamGuard g = guard(judge, FilterSettings.OnError.FAIL_CLOSED, client);
    feed(g, client, sse);
    client.take(g.onEnd());
    assertThat(judge.seen).as("cadence 0: only the complete answer").hasSize(1);
    judge.answer(StreamDecision.block("unsafe S2"));
    assertThat(client.blockedBy).isEqualTo("judge");
    assertThat(StreamGuardTest.assembled(CHAT, client.text()))
        .isEqualTo("The response was stopped by the gateway's output policy (judge: unsafe S2).");
    StreamGuardTest.assertWellFormedEnding(CHAT, client.text());
    assertThat(g.outcomes().get(0).verdict()).isEqualTo(FilterOutcome.Outcome.BLOCK);
  }

  @Test
  void flowingTextIsNotHeldButABlockCutsTheStreamAtOnce() {
    byte[] sse = SharedFixtures.bytes("chat-completion-stream.sse");
    String s = new String(sse, StandardCharsets.UTF_8);
    int half = s.indexOf("data:", s.length() / 2);
    Manual judge = new Manual(4, false);
    Client client = new Client();
    StreamGuard g = guard(judge, FilterSettings.OnError.FAIL_CLOSED, client);
    feed(g, client, s.substring(0, half).getBytes(StandardCharsets.UTF_8));
    assertThat(client.text()).as("flows while the review runs").isNotEmpty();
    judge.answer(StreamDecision.block("unsafe S1"));
    assertThat(client.blockedBy).isEqualTo("judge");
    String before = client.text();
    feed(g, client, s.substring(half).getBytes(StandardCharsets.UTF_8));
    client.take(g.onEnd());
    assertThat(client.text()).as("nothing after the block").isEqualTo(before);
    StreamGuardTest.assertWellFormedEnding(CHAT, client.text());
  }

  @Test
  void aFailedReviewBlocksWhenFailClosedAndPassesWhenFailOpen() {
    byte[] sse = SharedFixtures.bytes("chat-completion-stream.sse");
    Manual closed = new Manual(0, true);
    Client refused = new Client();
    StreamGuard g = guard(closed, FilterSettings.OnError.FAIL_CLOSED, refused);
    feed(g, refused, sse);
    refused.take(g.onEnd());
    closed.fail(new java.io.IOException("judge unreachable"));
    assertThat(refused.blockedBy).isEqualTo("judge");
    assertThat(refused.reason).isEqualTo("filter failed: IOException");
    assertThat(g.outcomes().get(0).verdict()).isEqualTo(FilterOutcome.Outcome.ERROR_BLOCKED);

    Manual open = new Manual(0, true);
    Client served = new Client();
    StreamGuard g2 = guard(open, FilterSettings.OnError.FAIL_OPEN, served);
    feed(g2, served, sse);
    served.take(g2.onEnd());
    open.fail(new java.io.IOException("judge unreachable"));
    assertThat(served.ended).isTrue();
    assertThat(served.text()).isEqualTo(new String(sse, StandardCharsets.UTF_8));
    assertThat(g2.outcomes().get(0).verdict()).isEqualTo(FilterOutcome.Outcome.ERROR_SKIPPED);
  }

  @Test
  void aReviewSeesToolCallsWithTheirNames() {
    byte[] sse = SharedFixtures.bytes("chat-completion-stream-tool-call.sse");
    Manual approver = new Manual(0, true);
    Client client = new Client();
    StreamGuard g = guard(approver, FilterSettings.OnError.FAIL_CLOSED, client);
    feed(g, client, sse);
    client.take(g.onEnd());
    StreamReview.Answer a = approver.seen.get(0);
    assertThat(a.toolNames()).containsEntry("0/tool/0", "get_current_weather");
    assertThat(a.outputs())
        .filteredOn(o -> o.key().equals("0/tool/0"))
        .singleElement()
        .satisfies(o -> assertThat(o.text()).startsWith("{\""));
    assertThat(client.text()).isEmpty();
    approver.answer(StreamDecision.pass());
    assertThat(client.text()).isEqualTo(new String(sse, StandardCharsets.UTF_8));
  }

  @Test
  void aReviewThatNeverEndsLeavesTheEndingUnsentAndAnAbandonedGuardIgnoresItsVerdict() {
    byte[] sse = SharedFixtures.bytes("chat-completion-stream.sse");
    Manual judge = new Manual(0, true);
    Client client = new Client();
    StreamGuard g = guard(judge, FilterSettings.OnError.FAIL_CLOSED, client);
    feed(g, client, sse);
    client.take(g.onEnd());
    assertThat(client.ended).isFalse();
    g.abandon(); // the client went away
    judge.answer(StreamDecision.pass());
    assertThat(client.text()).isEmpty();
    assertThat(client.ended).isFalse();
    assertThat(judge.open()).isFalse();
    assertThat(new ArrayList<>(judge.seen)).hasSize(1);
  }

  @Test
  void aStreamPilingUpBeyondTheLimitWhileHeldIsBlocked() {
    byte[] sse = SharedFixtures.bytes("chat-completion-stream.sse");
    Manual judge = new Manual(0, true);
    Client client = new Client();
    StreamGuard g =
        new StreamGuard(StreamAdapter.forRoute(StreamGuardTest.route(CHAT)), List.of(), 1 << 20);
    g.reviewWith(
        List.of(
            new StreamPlan.Review(
                "judge",
                new FilterSettings(
                    FilterSettings.Action.BLOCK,
                    Duration.ofSeconds(5),
                    FilterSettings.OnError.FAIL_CLOSED),
                judge)),
        Runnable::run,
        client::take,
        sse.length / 2);
    feed(g, client, sse);
    assertThat(client.blockedBy).isEqualTo("gateway");
    assertThat(client.reason).isEqualTo("answer too large to hold for review");
    StreamGuardTest.assertWellFormedEnding(CHAT, client.text());
  }
}
