package dev.lmgate.core.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.lmgate.core.dialect.StreamAdapter;
import dev.lmgate.core.dialect.UsageReader;
import dev.lmgate.core.json.Json;
import dev.lmgate.core.sse.SseEvent;
import dev.lmgate.core.sse.SseParser;
import dev.lmgate.spi.FilterOutcome;
import dev.lmgate.spi.FilterSettings;
import dev.lmgate.spi.OutputChannel;
import dev.lmgate.spi.OutputText;
import dev.lmgate.spi.StreamInspector;
import dev.lmgate.spi.StreamInspector.Span;
import dev.lmgate.spi.StreamInspector.StreamDecision;
import dev.lmgate.spi.StreamReview;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Holds back a streamed answer just long enough for the stream inspectors to see its text first.
 *
 * <p>Each output (per choice: content, reasoning, each tool call's arguments) is assembled from the
 * events' pieces. An event is released only when every piece it carries ends at least {@code
 * holdBack} characters before the end of its output's assembled text, or its output is complete.
 * Inspectors see every new character before release, so <b>no character of a match of length ≤
 * holdBack is ever released</b>: a block ends the stream with the dialect's well-formed ending and
 * drops everything held back; a redaction rewrites only the held-back events it touches. Unchanged
 * events are released byte for byte, in order.
 *
 * <p>Netty-free and single-threaded: one guard per stream, driven from the connection's event loop.
 */
public final class StreamGuard {

  /** An inspector and the filter it belongs to. */
  public record Entry(String filterId, FilterSettings settings, StreamInspector inspector) {}

  /**
   * What to send after an event.
   *
   * @param release bytes for the client now (possibly empty)
   * @param blockedBy the filter that blocked, or {@code null}; when set, {@code release} is the
   *     stream's ending and the upstream must be closed
   * @param reason the block reason
   */
  public record Step(byte[] release, String blockedBy, String reason, boolean ended) {
    Step(byte[] release, String blockedBy, String reason) {
      this(release, blockedBy, reason, false);
    }

    public boolean blocked() {
      return blockedBy != null;
    }
  }

  /** A reviewer and the filter it belongs to. */
  public record ReviewEntry(String filterId, FilterSettings settings, StreamReview review) {}

  private static final byte[] NONE = new byte[0];

  private final SseParser parser;
  private final StreamAdapter adapter;
  private final List<Entry> entries;
  private final int holdBack;
  private final Map<String, Output> outputs = new LinkedHashMap<>();
  private final Deque<Pending> pending = new ArrayDeque<>();
  private final long[] nanos;
  private final FilterOutcome.Outcome[] worst;
  private final String[] reasons;
  private boolean done;
  private boolean holdEnding; // keep the final event(s) until onEnd (strict audit)
  private boolean endingSeen;
  private UsageReader.Counts usage = UsageReader.Counts.NONE;
  private long outputChars;
  private final boolean dropUsageChunks;
  // asynchronous reviews (StreamReview): at most one round in flight
  private List<ReviewEntry> reviews = List.of();
  private long[] reviewNanos = new long[0];
  private FilterOutcome.Outcome[] reviewWorst = new FilterOutcome.Outcome[0];
  private String[] reviewReasons = new String[0];
  private Executor loop;
  private Consumer<Step> onReviewStep;
  private int cadence; // characters of new output between rounds; 0: only at the end
  private boolean holdForReview;
  private boolean reviewing;
  private long reviewedChars; // outputChars when the last round started
  private boolean upstreamEnded; // onEnd ran; the ending waits for the final round
  private final Map<String, String> toolNames = new LinkedHashMap<>();
  private long maxHeldBytes = Long.MAX_VALUE;
  private long heldBytes; // raw bytes of the pending events
  private long eventsSeen; // events received so far
  private long passedEvents; // events the last passed review round had seen (holdsText)

  /**
   * @param maxEventBytes the largest SSE event accepted; a larger one blocks the stream
   */
  public StreamGuard(StreamAdapter adapter, List<Entry> entries, int maxEventBytes) {
    this(adapter, entries, maxEventBytes, false);
  }

  /**
   * @param dropUsageChunks whether to withhold OpenAI usage-only chunks ({@code "choices": []} with
   *     {@code usage}): the gateway asked for them, the client did not
   */
  public StreamGuard(
      StreamAdapter adapter, List<Entry> entries, int maxEventBytes, boolean dropUsageChunks) {
    this.dropUsageChunks = dropUsageChunks;
    this.parser = new SseParser(maxEventBytes);
    this.adapter = adapter;
    this.entries = List.copyOf(entries);
    this.holdBack = entries.stream().mapToInt(e -> e.inspector().holdBack()).max().orElse(0);
    this.nanos = new long[entries.size()];
    this.worst = new FilterOutcome.Outcome[entries.size()];
    this.reasons = new String[entries.size()];
    java.util.Arrays.fill(worst, FilterOutcome.Outcome.PASS);
    java.util.Arrays.fill(reasons, "");
  }

  /**
   * Withholds the event that finishes the answer (a finish_reason, the final event) and all after
   * it until {@link #onEnd}, so that the caller decides when the client learns that the answer is
   * complete (the strict audit releases it once the exchange's record is durable).
   */
  public void holdEnding() {
    this.holdEnding = true;
  }

  /**
   * Adds asynchronous reviewers. Their verdicts arrive later: each step they cause (text released,
   * a block, the stream's end) is handed to {@code onStep} on {@code loop}, never from {@link
   * #onEvent} or {@link #onEnd}, which then return {@code ended == false} while a final review is
   * outstanding. A stream that piles up more than {@code maxHeldBytes} while reviews hold it is
   * blocked rather than buffered without bound.
   */
  public void reviewWith(
      List<ReviewEntry> entries, Executor loop, Consumer<Step> onStep, long maxHeldBytes) {
    if (entries.isEmpty()) {
      return;
    }
    this.maxHeldBytes = maxHeldBytes;
    this.reviews = List.copyOf(entries);
    this.loop = loop;
    this.onReviewStep = onStep;
    this.reviewNanos = new long[entries.size()];
    this.reviewWorst = new FilterOutcome.Outcome[entries.size()];
    this.reviewReasons = new String[entries.size()];
    java.util.Arrays.fill(reviewWorst, FilterOutcome.Outcome.PASS);
    java.util.Arrays.fill(reviewReasons, "");
    this.cadence =
        entries.stream().mapToInt(e -> e.review().cadence()).filter(c -> c > 0).min().orElse(0);
    this.holdForReview = entries.stream().anyMatch(e -> e.review().holdsText());
    this.holdEnding = true; // the ending waits for the final round
  }

  /** The exchange is over (client gone, cut): reviews still running are ignored when they end. */
  public void abandon() {
    done = true;
    pending.clear();
  }

  /** The largest number of characters per output this guard holds back. */
  public int holdBack() {
    return holdBack;
  }

  /**
   * Feeds upstream bytes, split anywhere; returns what may go to the client now. An event larger
   * than the limit blocks the stream like a rule would, with the dialect's ending.
   */
  public Step onBytes(byte[] bytes) {
    if (done) {
      return new Step(NONE, null, "");
    }
    List<SseEvent> events;
    try {
      events = parser.feed(bytes, 0, bytes.length);
    } catch (SseParser.SseTooLargeException e) {
      return block("gateway", "upstream event too large to inspect");
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (SseEvent ev : events) {
      Step s = onEvent(ev);
      out.writeBytes(s.release());
      if (s.blocked()) {
        return new Step(out.toByteArray(), s.blockedBy(), s.reason());
      }
    }
    return new Step(out.toByteArray(), null, "");
  }

  /** Feeds one upstream event; returns what may go to the client now. */
  public Step onEvent(SseEvent event) {
    if (done) {
      return new Step(NONE, null, "");
    }
    JsonNode data = null;
    if (!event.data().isEmpty() && !event.isDone()) {
      data = Json.parse(event.data().getBytes(StandardCharsets.UTF_8)).orElse(null);
      if (data == null) {
        return block("gateway", "upstream sent an event the gateway cannot inspect");
      }
    }
    usage = usage.merge(UsageReader.read(data));
    if (dropUsageChunks
        && data != null
        && data.has("usage")
        && data.path("choices").isArray()
        && data.path("choices").isEmpty()) {
      return new Step(release(), null, "");
    }
    Pending p = new Pending(event, data, eventsSeen++);
    if (holdEnding && (endingSeen || event.isDone() || adapter.isFinishing(event, data))) {
      endingSeen = true;
      p.ending = true;
    }
    if (!reviews.isEmpty()) {
      toolNames.putAll(adapter.toolNames(event, data));
    }
    for (OutputText piece : adapter.pieces(event, data)) {
      outputChars += piece.text().length();
      Output out = outputs.computeIfAbsent(piece.key(), k -> new Output(k, piece.channel()));
      int start = out.text.length();
      out.text.append(piece.text());
      p.pieces.add(new PieceRef(out, piece.pointer(), start, out.text.length()));
    }
    for (OutputText snap : adapter.snapshots(event, data)) {
      Step s = inspectSnapshot(p, snap);
      if (s != null) {
        return s;
      }
    }
    if (adapter.isFinal(event, data)) {
      outputs.values().forEach(o -> o.complete = true);
    }
    for (Output out : outputs.values()) {
      if (out.text.length() > out.scanned || (out.complete && !out.finalScanDone)) {
        Step s = inspect(out);
        if (s != null) {
          return s;
        }
      }
    }
    pending.add(p);
    heldBytes += event.raw().length;
    if (heldBytes > maxHeldBytes) {
      return block("gateway", "answer too large to hold for review");
    }
    if (!reviews.isEmpty() && !reviewing && cadence > 0 && outputChars - reviewedChars >= cadence) {
      startReview(false);
    }
    return new Step(release(), null, "");
  }

  /**
   * The upstream ended: inspect the rest as complete and release everything ({@code ended}), unless
   * a final review is outstanding: then what may go now, and the rest through the review's step.
   */
  public Step onEnd() {
    if (done) {
      return new Step(NONE, null, "");
    }
    for (Output out : outputs.values()) {
      out.complete = true;
      if (!out.finalScanDone) {
        Step s = inspect(out);
        if (s != null) {
          return s;
        }
      }
    }
    if (!reviews.isEmpty()) {
      upstreamEnded = true;
      if (!reviewing) {
        startReview(true);
      }
      return new Step(release(), null, "");
    }
    done = true;
    return new Step(release(), null, "", true);
  }

  /** Starts a round: every reviewer sees the answer as it is now. */
  private void startReview(boolean complete) {
    reviewing = true;
    reviewedChars = outputChars;
    long seen = eventsSeen;
    List<OutputText> texts = new ArrayList<>(outputs.size());
    for (Output o : outputs.values()) {
      texts.add(new OutputText(o.key, o.channel, "", o.text.toString()));
    }
    StreamReview.Answer answer = new StreamReview.Answer(texts, toolNames, complete);
    List<CompletableFuture<StreamDecision>> calls = new ArrayList<>(reviews.size());
    long t0 = System.nanoTime();
    for (ReviewEntry e : reviews) {
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
    CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new))
        .handle((v, err) -> null)
        .thenRunAsync(() -> reviewed(calls, seen, complete, System.nanoTime() - t0), loop);
  }

  /** A round is over (on the loop): block, or pass what it saw and maybe start the next. */
  private void reviewed(
      List<CompletableFuture<StreamDecision>> calls, long seen, boolean complete, long took) {
    reviewing = false;
    if (done) {
      return; // blocked by an inspector meanwhile, or abandoned
    }
    for (int i = 0; i < reviews.size(); i++) {
      ReviewEntry e = reviews.get(i);
      reviewNanos[i] += took;
      StreamDecision d;
      try {
        d = calls.get(i).join();
      } catch (Throwable ex) { // a filter's Errors too: its on-error decides
        Throwable cause = ex.getCause() == null ? ex : ex.getCause();
        String what =
            cause instanceof java.util.concurrent.TimeoutException
                ? "timeout"
                : cause.getClass().getSimpleName();
        if (e.settings().onError() == FilterSettings.OnError.FAIL_OPEN) {
          noteReview(i, FilterOutcome.Outcome.ERROR_SKIPPED, what);
          continue;
        }
        noteReview(i, FilterOutcome.Outcome.ERROR_BLOCKED, what);
        onReviewStep.accept(block(e.filterId(), "filter failed: " + what));
        return;
      }
      if (d.block()) {
        if (e.settings().action() == FilterSettings.Action.ALERT) {
          noteReview(i, FilterOutcome.Outcome.ALERT, d.reason());
          continue;
        }
        noteReview(i, FilterOutcome.Outcome.BLOCK, d.reason());
        onReviewStep.accept(
            blockWith(
                e.filterId(),
                d.reason(),
                "The response was stopped by the gateway's output policy ("
                    + e.filterId()
                    + ": "
                    + d.reason()
                    + ")."));
        return;
      }
      if (!d.reason().isEmpty()) {
        noteReview(i, FilterOutcome.Outcome.ALERT, d.reason());
      }
    }
    passedEvents = Math.max(passedEvents, seen);
    if (complete) {
      done = true;
      onReviewStep.accept(new Step(release(), null, "", true));
      return;
    }
    if (upstreamEnded) {
      startReview(true);
    } else if (cadence > 0 && outputChars - reviewedChars >= cadence) {
      startReview(false);
    }
    byte[] now = release();
    if (now.length > 0) {
      onReviewStep.accept(new Step(now, null, ""));
    }
  }

  private void noteReview(int i, FilterOutcome.Outcome o, String reason) {
    if (o.ordinal() > reviewWorst[i].ordinal()) {
      reviewWorst[i] = o;
      reviewReasons[i] = reason;
    }
  }

  /** The token counts the stream reported so far (usage chunk, final event). */
  public UsageReader.Counts usage() {
    return usage;
  }

  /** Characters of output (content, reasoning, tool arguments) the stream carried so far. */
  public long outputChars() {
    return outputChars;
  }

  /**
   * Each output's text as the client received it: the pieces of the events released so far, with
   * redactions applied. After a block, only what went out before it.
   */
  public List<OutputText> delivered() {
    List<OutputText> l = new ArrayList<>(outputs.size());
    for (Output o : outputs.values()) {
      if (o.delivered.length() > 0) {
        l.add(new OutputText(o.key, o.channel, "", o.delivered.toString()));
      }
    }
    return l;
  }

  /** Proof of enforcement for the stream phase: one outcome per inspector, the worst it reached. */
  public List<FilterOutcome> outcomes() {
    List<FilterOutcome> l = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      l.add(
          new FilterOutcome(
              entries.get(i).filterId(),
              FilterOutcome.Phase.STREAM,
              worst[i],
              reasons[i],
              nanos[i]));
    }
    for (int i = 0; i < reviews.size(); i++) {
      l.add(
          new FilterOutcome(
              reviews.get(i).filterId(),
              FilterOutcome.Phase.STREAM,
              reviewWorst[i],
              reviewReasons[i],
              reviewNanos[i]));
    }
    return l;
  }

  private Step inspect(Output out) {
    String text = out.text.toString();
    for (int i = 0; i < entries.size(); i++) {
      Entry e = entries.get(i);
      long t0 = System.nanoTime();
      StreamDecision d;
      try {
        d = e.inspector().inspect(out.key, out.channel, text, out.scanned, out.complete);
      } catch (Throwable ex) { // a filter's Errors too: its on-error decides
        nanos[i] += System.nanoTime() - t0;
        if (e.settings().onError() == FilterSettings.OnError.FAIL_OPEN) {
          note(i, FilterOutcome.Outcome.ERROR_SKIPPED, ex.getClass().getSimpleName());
          continue;
        }
        note(i, FilterOutcome.Outcome.ERROR_BLOCKED, ex.getClass().getSimpleName());
        return block(e.filterId(), "filter failed");
      }
      nanos[i] += System.nanoTime() - t0;
      boolean shadow = e.settings().action() == FilterSettings.Action.ALERT;
      if (d.block()) {
        if (shadow) {
          note(i, FilterOutcome.Outcome.ALERT, d.reason());
          continue;
        }
        note(i, FilterOutcome.Outcome.BLOCK, d.reason());
        return block(e.filterId(), d.reason());
      }
      if (!d.redactions().isEmpty()) {
        if (shadow) {
          note(i, FilterOutcome.Outcome.ALERT, d.reason());
          continue;
        }
        note(i, FilterOutcome.Outcome.MODIFY, d.reason());
        for (Span s : d.redactions()) {
          out.addSpan(s);
        }
      }
    }
    out.scanned = text.length();
    if (out.complete) {
      out.finalScanDone = true;
    }
    return null;
  }

  /** Inspects a text an event repeats whole; redactions apply to the event itself. */
  private Step inspectSnapshot(Pending p, OutputText snap) {
    for (int i = 0; i < entries.size(); i++) {
      Entry e = entries.get(i);
      long t0 = System.nanoTime();
      StreamDecision d;
      try {
        d = e.inspector().inspect("snapshot:" + snap.key(), snap.channel(), snap.text(), 0, true);
      } catch (Throwable ex) { // a filter's Errors too: its on-error decides
        nanos[i] += System.nanoTime() - t0;
        if (e.settings().onError() == FilterSettings.OnError.FAIL_OPEN) {
          note(i, FilterOutcome.Outcome.ERROR_SKIPPED, ex.getClass().getSimpleName());
          continue;
        }
        note(i, FilterOutcome.Outcome.ERROR_BLOCKED, ex.getClass().getSimpleName());
        return block(e.filterId(), "filter failed");
      }
      nanos[i] += System.nanoTime() - t0;
      boolean shadow = e.settings().action() == FilterSettings.Action.ALERT;
      if (d.block() || !d.redactions().isEmpty()) {
        if (shadow) {
          note(i, FilterOutcome.Outcome.ALERT, d.reason());
          continue;
        }
        if (d.block() || snap.pointer().isEmpty()) {
          note(i, FilterOutcome.Outcome.BLOCK, d.reason());
          return block(e.filterId(), d.reason());
        }
        note(i, FilterOutcome.Outcome.MODIFY, d.reason());
        Output tmp = new Output(snap.key(), snap.channel());
        d.redactions().forEach(tmp::addSpan);
        Json.set(
            p.data,
            snap.pointer(),
            TextNode.valueOf(tmp.render(snap.text(), 0, snap.text().length())));
        p.rewritten = true;
      }
    }
    return null;
  }

  private void note(int i, FilterOutcome.Outcome o, String reason) {
    if (o.ordinal() > worst[i].ordinal()) {
      worst[i] = o;
      reasons[i] = reason;
    }
  }

  private Step block(String filterId, String reason) {
    done = true;
    pending.clear();
    heldBytes = 0;
    return new Step(
        adapter.blockedEnding(
            "The response was stopped by the gateway's output policy (" + filterId + ")."),
        filterId,
        reason);
  }

  /** A review's block: its reason is written for the caller, so the ending tells it. */
  private Step blockWith(String filterId, String reason, String message) {
    done = true;
    pending.clear();
    heldBytes = 0;
    return new Step(adapter.explainedEnding(message), filterId, reason);
  }

  private byte[] release() {
    ByteArrayOutputStream b = null;
    while (!pending.isEmpty()) {
      Pending p = pending.peekFirst();
      if (!done && (!releasable(p) || p.ending)) {
        break;
      }
      pending.removeFirst();
      heldBytes -= p.event.raw().length;
      if (b == null) {
        b = new ByteArrayOutputStream();
      }
      try {
        b.write(render(p));
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
    return b == null ? NONE : b.toByteArray();
  }

  private boolean releasable(Pending p) {
    if (holdForReview && p.seq >= passedEvents) {
      return false; // no passed review has seen this event yet
    }
    for (PieceRef r : p.pieces) {
      Output o = r.out;
      int safe = o.complete ? o.text.length() : o.text.length() - holdBack;
      if (r.end > safe) {
        return false;
      }
    }
    return true;
  }

  private byte[] render(Pending p) {
    boolean rewrite = p.rewritten;
    for (PieceRef r : p.pieces) {
      r.out.delivered.append(r.out.render(r.out.text, r.start, r.end));
    }
    for (PieceRef r : p.pieces) {
      if (r.out.touches(r.start, r.end)) {
        if (r.pointer.isEmpty()) {
          continue; // not rewritable; such outputs are blocked rather than redacted upstream of
          // here
        }
        Json.set(
            p.data,
            r.pointer,
            TextNode.valueOf(r.out.render(r.out.text.toString(), r.start, r.end)));
        rewrite = true;
      }
    }
    if (!rewrite) {
      return p.event.raw();
    }
    String head = p.event.event().isEmpty() ? "" : "event: " + p.event.event() + "\n";
    return (head + "data: " + p.data.toString() + "\n\n").getBytes(StandardCharsets.UTF_8);
  }

  private static final class Pending {
    final SseEvent event;
    final JsonNode data;
    final List<PieceRef> pieces = new ArrayList<>(1);
    boolean ending; // the event that finishes the answer, or after it: held when holdEnding is set
    boolean rewritten;
    final long seq; // arrival order

    Pending(SseEvent event, JsonNode data, long seq) {
      this.event = event;
      this.data = data;
      this.seq = seq;
    }
  }

  private record PieceRef(Output out, String pointer, int start, int end) {}

  /** One output's assembled text and the spans to redact in it (non-overlapping, by start). */
  private static final class Output {
    final String key;
    final OutputChannel channel;
    final StringBuilder text = new StringBuilder();
    final StringBuilder delivered = new StringBuilder(); // what the released events carried
    final TreeMap<Integer, Span> spans = new TreeMap<>();
    int scanned;
    boolean complete;
    boolean finalScanDone;

    Output(String key, OutputChannel channel) {
      this.key = key;
      this.channel = channel;
    }

    /** Adds a span, merging it with any it overlaps (a match that grew as text arrived). */
    void addSpan(Span s) {
      int start = s.start();
      int end = s.end();
      String repl = s.replacement();
      Map.Entry<Integer, Span> before = spans.floorEntry(start);
      if (before != null && before.getValue().end() > start) {
        start = before.getKey();
        end = Math.max(end, before.getValue().end());
        spans.remove(before.getKey());
      }
      while (true) {
        Map.Entry<Integer, Span> next = spans.ceilingEntry(start);
        if (next == null || next.getKey() >= end) {
          break;
        }
        end = Math.max(end, next.getValue().end());
        spans.remove(next.getKey());
      }
      spans.put(start, new Span(start, end, repl));
    }

    boolean touches(int start, int end) {
      Map.Entry<Integer, Span> e = spans.floorEntry(end - 1);
      return e != null && e.getValue().end() > start && end > start;
    }

    /** The text of [from, to) as the client sees it: each span's replacement at its start. */
    String render(CharSequence original, int from, int to) {
      StringBuilder sb = new StringBuilder(to - from);
      int i = from;
      while (i < to) {
        Map.Entry<Integer, Span> e = spans.floorEntry(i);
        if (e != null && e.getValue().end() > i) {
          if (e.getKey() == i) {
            sb.append(e.getValue().replacement());
          }
          i = Math.min(to, e.getValue().end());
        } else {
          Map.Entry<Integer, Span> n = spans.higherEntry(i);
          int stop = n == null ? to : Math.min(to, n.getKey());
          sb.append(original, i, stop);
          i = stop;
        }
      }
      return sb.toString();
    }
  }
}
