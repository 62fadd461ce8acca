package dev.lmgate.core.stream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lmgate.core.chain.StreamPlan;
import dev.lmgate.core.dialect.StreamAdapter;
import dev.lmgate.core.dialect.UsageReader;
import dev.lmgate.core.json.Json;
import dev.lmgate.core.sse.SseEvent;
import dev.lmgate.core.sse.SseParser;
import dev.lmgate.spi.FilterOutcome;
import dev.lmgate.spi.OutputText;
import dev.lmgate.spi.StreamReview;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * Holds back a streamed answer just long enough for the stream inspectors to see its text first.
 *
 * <p>Each output (per choice: content, reasoning, each tool call's arguments) is assembled from the
 * events' pieces ({@link AssembledOutput}). After each event every inspector says from where a
 * match could still complete in each output that grew ({@link StreamInspection}); an event is
 * released ({@link HeldEvents}) once every piece it carries lies before that point for every
 * inspector that changes the answer (shadow-mode ones never hold), or its output is complete. Since
 * inspectors see every character before release and only decided text goes, <b>no character of a
 * match is ever released</b> (for matches up to each inspector's {@code holdBack()}, the most it
 * may hold): a block ends the stream with the dialect's well-formed ending and drops everything
 * held; a redaction rewrites only the held events it touches. Unchanged events are released byte
 * for byte, in order. Asynchronous reviewers ({@link ReviewRounds}) keep their own contract.
 *
 * <p>Netty-free and single-threaded: one guard per stream, driven from the connection's event loop.
 */
public final class StreamGuard {

  /**
   * What to send after an event.
   *
   * @param release bytes for the client now (possibly empty)
   * @param blockedBy the filter that blocked, or {@code null}; when set, {@code release} is the
   *     stream's ending and the upstream must be closed
   * @param reason the block reason
   * @param ended whether the stream is over (everything released)
   */
  public record Step(byte[] release, String blockedBy, String reason, boolean ended) {
    Step(byte[] release, String blockedBy, String reason) {
      this(release, blockedBy, reason, false);
    }

    public boolean blocked() {
      return blockedBy != null;
    }
  }

  private static final byte[] NONE = new byte[0];

  private final SseParser parser;
  private final StreamAdapter adapter;
  private final StreamInspection inspection;
  private final boolean dropUsageChunks;
  private final Map<String, AssembledOutput> outputs = new LinkedHashMap<>();
  private final HeldEvents held = new HeldEvents();
  private final Map<String, String> toolNames = new LinkedHashMap<>();
  private boolean done;
  private boolean holdEnding; // keep the final event(s) until onEnd (strict audit, reviews)
  private boolean endingSeen;
  private UsageReader.Counts usage = UsageReader.Counts.NONE;
  private long outputChars;
  private long eventsSeen;
  // asynchronous reviews
  private ReviewRounds reviews;
  private Consumer<Step> onReviewStep;
  private long maxHeldBytes = Long.MAX_VALUE;
  private boolean upstreamEnded; // onEnd ran; the ending waits for the final round

  /**
   * @param maxEventBytes the largest SSE event accepted; a larger one blocks the stream
   */
  public StreamGuard(StreamAdapter adapter, List<StreamPlan.Inspector> entries, int maxEventBytes) {
    this(adapter, entries, maxEventBytes, false);
  }

  /**
   * @param dropUsageChunks whether to withhold OpenAI usage-only chunks ({@code "choices": []} with
   *     {@code usage}): the gateway asked for them, the client did not
   */
  public StreamGuard(
      StreamAdapter adapter,
      List<StreamPlan.Inspector> entries,
      int maxEventBytes,
      boolean dropUsageChunks) {
    this.dropUsageChunks = dropUsageChunks;
    this.parser = new SseParser(maxEventBytes);
    this.adapter = adapter;
    this.inspection = new StreamInspection(entries);
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
      List<StreamPlan.Review> entries, Executor loop, Consumer<Step> onStep, long maxHeldBytes) {
    if (entries.isEmpty()) {
      return;
    }
    this.maxHeldBytes = maxHeldBytes;
    this.reviews = new ReviewRounds(entries, loop);
    this.onReviewStep = onStep;
    this.holdEnding = true; // the ending waits for the final round
  }

  /** The exchange is over (client gone, cut): reviews still running are ignored when they end. */
  public void abandon() {
    done = true;
    held.clear();
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
      data = Json.parse(event.data()).orElse(null);
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
    HeldEvents.Held h = new HeldEvents.Held(event, data, eventsSeen++);
    if (holdEnding && (endingSeen || event.isDone() || adapter.isFinishing(event, data))) {
      endingSeen = true;
      h.ending = true;
    }
    if (reviews != null) {
      toolNames.putAll(adapter.toolNames(event, data));
    }
    for (OutputText piece : adapter.pieces(event, data)) {
      outputChars += piece.text().length();
      AssembledOutput out =
          outputs.computeIfAbsent(
              piece.key(), k -> new AssembledOutput(k, piece.channel(), inspection.size()));
      int start = out.text.length();
      out.text.append(piece.text());
      h.pieces.add(new HeldEvents.Piece(out, piece.pointer(), start, out.text.length()));
    }
    for (OutputText snap : adapter.snapshots(event, data)) {
      StreamInspection.Stop stop = inspection.inspectSnapshot(h, snap);
      if (stop != null) {
        return block(stop.filterId(), stop.reason());
      }
    }
    if (adapter.isFinal(event, data)) {
      outputs.values().forEach(o -> o.complete = true);
    }
    Step stopped = inspectGrown();
    if (stopped != null) {
      return stopped;
    }
    held.add(h);
    if (held.bytes() > maxHeldBytes) {
      return block("gateway", "answer too large to hold for review");
    }
    if (reviews != null && reviews.due(outputChars)) {
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
    outputs.values().forEach(o -> o.complete = true);
    Step stopped = inspectGrown();
    if (stopped != null) {
      return stopped;
    }
    if (reviews != null) {
      upstreamEnded = true;
      if (!reviews.running()) {
        startReview(true);
      }
      return new Step(release(), null, "");
    }
    done = true;
    return new Step(release(), null, "", true);
  }

  /** Inspects every output that grew or completed; the block step, or null. */
  private Step inspectGrown() {
    for (AssembledOutput out : outputs.values()) {
      if (out.needsInspection()) {
        StreamInspection.Stop stop = inspection.inspect(out);
        if (stop != null) {
          return block(stop.filterId(), stop.reason());
        }
      }
    }
    return null;
  }

  /** Starts a review round: every reviewer sees the answer as it is now. */
  private void startReview(boolean complete) {
    List<OutputText> texts = new ArrayList<>(outputs.size());
    for (AssembledOutput o : outputs.values()) {
      texts.add(new OutputText(o.key, o.channel, "", o.text.toString()));
    }
    reviews.start(
        new StreamReview.Answer(texts, toolNames, complete),
        outputChars,
        eventsSeen,
        this::reviewed);
  }

  /** A round is over (on the loop): block, or release what it passed and maybe start the next. */
  private void reviewed(ReviewRounds.Round round) {
    if (done) {
      return; // blocked by an inspector meanwhile, or abandoned
    }
    if (round.stop() != null) {
      ReviewRounds.Stop stop = round.stop();
      onReviewStep.accept(
          stop.message() == null
              ? block(stop.filterId(), stop.reason())
              : new Step(
                  end(adapter.explainedEnding(stop.message())), stop.filterId(), stop.reason()));
      return;
    }
    if (round.complete()) {
      done = true;
      onReviewStep.accept(new Step(release(), null, "", true));
      return;
    }
    if (upstreamEnded) {
      startReview(true);
    } else if (reviews.due(outputChars)) {
      startReview(false);
    }
    byte[] now = release();
    if (now.length > 0) {
      onReviewStep.accept(new Step(now, null, ""));
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
    for (AssembledOutput o : outputs.values()) {
      if (o.delivered.length() > 0) {
        l.add(new OutputText(o.key, o.channel, "", o.delivered.toString()));
      }
    }
    return l;
  }

  /** Proof of enforcement for the stream phase: one outcome per inspector and reviewer. */
  public List<FilterOutcome> outcomes() {
    List<FilterOutcome> l = new ArrayList<>(inspection.outcomes());
    if (reviews != null) {
      l.addAll(reviews.outcomes());
    }
    return l;
  }

  /** Ends the stream for a filter: the dialect's ending, everything held dropped. */
  private Step block(String filterId, String reason) {
    return new Step(
        end(
            adapter.blockedEnding(
                "The response was stopped by the gateway's output policy (" + filterId + ").")),
        filterId,
        reason);
  }

  private byte[] end(byte[] ending) {
    done = true;
    held.clear();
    return ending;
  }

  /** The held events that may go now, from the front. */
  private byte[] release() {
    return held.release(
        h -> done || !h.ending && (reviews == null || reviews.passed(h.seq)) && h.decided());
  }
}
