package dev.lmgate.core.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.lmgate.core.json.Json;
import dev.lmgate.core.sse.SseEvent;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Predicate;

/**
 * The events of a stream not yet sent to the client, in arrival order. An event leaves only from
 * the front, so the client receives them in order; unchanged events leave byte for byte, events a
 * redaction touches are rewritten with the redacted text.
 */
final class HeldEvents {
  private static final byte[] NONE = new byte[0];

  /** A held event and the pieces of output it carries. */
  static final class Held {
    final SseEvent event;
    final JsonNode data;
    final long seq; // arrival order
    final List<Piece> pieces = new ArrayList<>(1);
    boolean ending; // the event that finishes the answer, or one after it
    boolean rewritten; // its data was changed in place (a snapshot's redaction)

    Held(SseEvent event, JsonNode data, long seq) {
      this.event = event;
      this.data = data;
      this.seq = seq;
    }

    /** Whether every piece it carries lies in what its output may release. */
    boolean decided() {
      for (Piece p : pieces) {
        if (p.end > p.out.releasableTo()) {
          return false;
        }
      }
      return true;
    }
  }

  /** [start, end) of an output's text, carried at {@code pointer} in an event's data. */
  record Piece(AssembledOutput out, String pointer, int start, int end) {}

  private final Deque<Held> queue = new ArrayDeque<>();
  private long bytes;

  void add(Held h) {
    queue.add(h);
    bytes += h.event.raw().length;
  }

  /** Raw bytes of the events held. */
  long bytes() {
    return bytes;
  }

  void clear() {
    queue.clear();
    bytes = 0;
  }

  /**
   * Removes and renders the events at the front that {@code mayGo} lets go, up to the first not.
   */
  byte[] release(Predicate<Held> mayGo) {
    ByteArrayOutputStream b = null;
    while (!queue.isEmpty() && mayGo.test(queue.peekFirst())) {
      Held h = queue.removeFirst();
      bytes -= h.event.raw().length;
      if (b == null) {
        b = new ByteArrayOutputStream();
      }
      b.writeBytes(render(h));
    }
    return b == null ? NONE : b.toByteArray();
  }

  /** The event as the client gets it; what it carries is added to its outputs' delivered text. */
  private static byte[] render(Held h) {
    boolean rewrite = h.rewritten;
    for (Piece p : h.pieces) {
      p.out.delivered.append(p.out.render(p.out.text, p.start, p.end));
    }
    for (Piece p : h.pieces) {
      if (p.out.touches(p.start, p.end) && !p.pointer.isEmpty()) {
        // (an output without a pointer cannot be rewritten: its inspectors block instead)
        Json.set(h.data, p.pointer, TextNode.valueOf(p.out.render(p.out.text, p.start, p.end)));
        rewrite = true;
      }
    }
    if (!rewrite) {
      return h.event.raw();
    }
    String head = h.event.event().isEmpty() ? "" : "event: " + h.event.event() + "\n";
    return (head + "data: " + h.data.toString() + "\n\n").getBytes(StandardCharsets.UTF_8);
  }
}
