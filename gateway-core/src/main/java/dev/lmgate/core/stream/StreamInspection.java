package dev.lmgate.core.stream;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.lmgate.core.chain.Enforcement;
import dev.lmgate.core.chain.StreamPlan;
import dev.lmgate.core.json.Json;
import dev.lmgate.spi.FilterOutcome;
import dev.lmgate.spi.OutputText;
import dev.lmgate.spi.StreamInspector;
import dev.lmgate.spi.StreamInspector.StreamDecision;
import dev.lmgate.spi.Verdict;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The synchronous inspectors of a stream: runs each on an output that grew, applies what its
 * filter's settings make of the answer ({@link Enforcement}), and keeps how far each has decided
 * the output — the text a match could no longer start in, which may be released.
 */
final class StreamInspection {
  /** Why the stream must end: the filter and its reason. */
  record Stop(String filterId, String reason) {}

  private final List<StreamPlan.Inspector> entries;
  private final long[] nanos;
  private final FilterOutcome.Outcome[] worst;
  private final String[] reasons;

  StreamInspection(List<StreamPlan.Inspector> entries) {
    this.entries = List.copyOf(entries);
    this.nanos = new long[entries.size()];
    this.worst = new FilterOutcome.Outcome[entries.size()];
    this.reasons = new String[entries.size()];
    Arrays.fill(worst, FilterOutcome.Outcome.PASS);
    Arrays.fill(reasons, "");
  }

  int size() {
    return entries.size();
  }

  /**
   * Inspects an output that grew or completed: adds the redactions, moves what is decided; returns
   * why the stream must end, or null.
   */
  Stop inspect(AssembledOutput out) {
    String text = out.text.toString();
    int len = text.length();
    int decided = len;
    for (int i = 0; i < entries.size(); i++) {
      StreamPlan.Inspector e = entries.get(i);
      StreamInspector inspector = e.inspector();
      long t0 = System.nanoTime();
      StreamDecision d;
      try {
        d = inspector.inspect(out.key, out.channel, text, out.scanFrom[i], out.complete);
      } catch (Throwable ex) { // a filter's Errors too: its on-error decides
        nanos[i] += System.nanoTime() - t0;
        Enforcement.Result failed = Enforcement.failed(e.settings(), ex);
        note(i, failed);
        if (failed.stops()) {
          return new Stop(e.filterId(), "filter failed");
        }
        continue; // skipped: it holds nothing
      }
      nanos[i] += System.nanoTime() - t0;
      Enforcement.Result r = Enforcement.of(e.settings(), kindOf(d), d.reason());
      note(i, r);
      if (r.stops()) {
        return new Stop(e.filterId(), d.reason());
      }
      if (r.changes()) {
        d.redactions().forEach(out::addSpan);
      }
      int floor = Math.max(0, len - Math.max(0, inspector.holdBack()));
      int undecided =
          d.undecidedFrom() == StreamDecision.WINDOW
              ? floor
              : Math.max(floor, Math.min(len, d.undecidedFrom()));
      out.scanFrom[i] = undecided;
      if (!Enforcement.shadow(e.settings())) { // shadow mode records after release: never holds
        decided = Math.min(decided, undecided);
      }
    }
    out.inspected = len;
    out.decided = decided;
    if (out.complete) {
      out.finalScanDone = true;
    }
    return null;
  }

  /** Inspects a text an event repeats whole; redactions rewrite the event itself. */
  Stop inspectSnapshot(HeldEvents.Held held, OutputText snap) {
    for (int i = 0; i < entries.size(); i++) {
      StreamPlan.Inspector e = entries.get(i);
      long t0 = System.nanoTime();
      StreamDecision d;
      try {
        d = e.inspector().inspect("snapshot:" + snap.key(), snap.channel(), snap.text(), 0, true);
      } catch (Throwable ex) { // a filter's Errors too: its on-error decides
        nanos[i] += System.nanoTime() - t0;
        Enforcement.Result failed = Enforcement.failed(e.settings(), ex);
        note(i, failed);
        if (failed.stops()) {
          return new Stop(e.filterId(), "filter failed");
        }
        continue;
      }
      nanos[i] += System.nanoTime() - t0;
      Verdict.Kind kind = kindOf(d);
      if (kind == Verdict.Kind.MODIFY && snap.pointer().isEmpty()) {
        kind = Verdict.Kind.BLOCK; // nowhere to write the redaction back
      }
      Enforcement.Result r = Enforcement.of(e.settings(), kind, d.reason());
      note(i, r);
      if (r.stops()) {
        return new Stop(e.filterId(), d.reason());
      }
      if (r.changes()) {
        AssembledOutput tmp = new AssembledOutput(snap.key(), snap.channel(), 0);
        d.redactions().forEach(tmp::addSpan);
        String redacted = tmp.render(snap.text(), 0, snap.text().length());
        Json.set(held.data, snap.pointer(), TextNode.valueOf(redacted));
        held.rewritten = true;
      }
    }
    return null;
  }

  /** One outcome per inspector: the worst it reached. */
  List<FilterOutcome> outcomes() {
    List<FilterOutcome> l = new ArrayList<>(entries.size());
    for (int i = 0; i < entries.size(); i++) {
      l.add(
          new FilterOutcome(
              entries.get(i).filterId(),
              FilterOutcome.Phase.STREAM,
              worst[i],
              reasons[i],
              nanos[i]));
    }
    return l;
  }

  private void note(int i, Enforcement.Result r) {
    if (r.outcome().ordinal() > worst[i].ordinal()) {
      worst[i] = r.outcome();
      reasons[i] = r.reason();
    }
  }

  /** A stream decision as a verdict kind: block, redact (modify), noted (alert) or pass. */
  static Verdict.Kind kindOf(StreamDecision d) {
    if (d.block()) {
      return Verdict.Kind.BLOCK;
    }
    if (!d.redactions().isEmpty()) {
      return Verdict.Kind.MODIFY;
    }
    return d.reason().isEmpty() ? Verdict.Kind.PASS : Verdict.Kind.ALERT;
  }
}
