package dev.lmgate.core.stream;

import dev.lmgate.spi.OutputChannel;
import dev.lmgate.spi.StreamInspector.Span;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * One output of a streamed answer (per choice: content, reasoning, a tool call's arguments): its
 * text assembled from the events' pieces, the spans to redact in it, how much of it the inspectors
 * have decided, and what the client received of it.
 */
final class AssembledOutput {
  final String key;
  final OutputChannel channel;
  final StringBuilder text = new StringBuilder();
  final StringBuilder delivered = new StringBuilder(); // what the released events carried
  private final TreeMap<Integer, Span> spans = new TreeMap<>(); // non-overlapping, by start

  /** Per inspector: where its next scan starts (what it last answered as undecided, bounded). */
  final int[] scanFrom;

  /** Text length at the last inspection. */
  int inspected;

  /** Everything before this index is decided by every holding inspector. */
  int decided;

  boolean complete;
  boolean finalScanDone;

  AssembledOutput(String key, OutputChannel channel, int inspectors) {
    this.key = key;
    this.channel = channel;
    this.scanFrom = new int[inspectors];
    Arrays.fill(scanFrom, 0);
  }

  /** Whether text arrived since the last inspection, or the output completed since. */
  boolean needsInspection() {
    return text.length() > inspected || (complete && !finalScanDone);
  }

  /** Characters before this index may go to the client. */
  int releasableTo() {
    return complete ? text.length() : decided;
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
      repl = before.getValue().replacement(); // what the client may have seen already
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

  /** Whether a span touches [start, end). */
  boolean touches(int start, int end) {
    Map.Entry<Integer, Span> e = spans.floorEntry(end - 1);
    return e != null && e.getValue().end() > start && end > start;
  }

  /** The text of [from, to) of {@code original} as the client sees it: spans replaced. */
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
