package dev.lmgate.core.sse;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Parses an SSE byte stream incrementally, as the WHATWG spec reads it: lines end in CRLF, LF or
 * CR; a blank line ends an event. Bytes may arrive split anywhere, including inside a line
 * terminator or a UTF-8 character: text is decoded only from whole lines. Each event keeps its
 * exact bytes so that an unchanged event is forwarded byte for byte.
 *
 * <p>Not thread-safe; one parser per stream. Works on byte arrays so that it never holds a network
 * buffer.
 */
public final class SseParser {

  /** An event larger than this is refused: the stream is malformed or hostile. */
  private final int maxEventBytes;

  private byte[] buf = new byte[1024];
  private int len; // bytes buffered for the current (incomplete) event
  private int lineStart; // start of the current line within buf
  private int scan; // next byte to examine
  private boolean pendingCr; // the previous byte was a CR that ended a line; skip a following LF
  private final StringBuilder data = new StringBuilder();
  private boolean hasData;
  private String eventName = "";

  public SseParser(int maxEventBytes) {
    this.maxEventBytes = maxEventBytes;
  }

  /** Thrown when an event exceeds the size limit. */
  public static final class SseTooLargeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    SseTooLargeException(int max) {
      super("SSE event larger than " + max + " bytes");
    }
  }

  /** Feeds bytes; returns the events they complete, in order. */
  public List<SseEvent> feed(byte[] bytes, int off, int n) {
    List<SseEvent> out = new ArrayList<>(2);
    ensure(len + n);
    System.arraycopy(bytes, off, buf, len, n);
    len += n;
    while (scan < len) {
      byte b = buf[scan];
      if (pendingCr) {
        pendingCr = false;
        if (b == '\n') {
          scan++;
          lineStart = scan;
          continue;
        }
      }
      if (b == '\n' || b == '\r') {
        int lineEnd = scan;
        scan++;
        if (b == '\r') {
          pendingCr = true;
        }
        boolean blank = lineEnd == lineStart;
        if (blank) {
          // A CRLF ending the blank line belongs to this event when its LF has arrived; if not,
          // the LF is skipped at the start of the next event (the bytes stay in order either way).
          if (pendingCr && scan < len && buf[scan] == '\n') {
            scan++;
            pendingCr = false;
          }
          out.add(emit());
        } else {
          field(lineStart, lineEnd);
          lineStart = scan;
        }
        continue;
      }
      scan++;
    }
    if (len > maxEventBytes) {
      throw new SseTooLargeException(maxEventBytes);
    }
    return out;
  }

  /**
   * Bytes of an event that never ended (stream closed mid-event); forwarded as they came. Empty
   * when the stream ended on an event boundary.
   */
  public byte[] remainder() {
    return Arrays.copyOf(buf, len);
  }

  private SseEvent emit() {
    byte[] raw = Arrays.copyOf(buf, scan);
    SseEvent e = new SseEvent(eventName, hasData ? data.toString() : "", raw);
    System.arraycopy(buf, scan, buf, 0, len - scan);
    len -= scan;
    scan = 0;
    lineStart = 0;
    data.setLength(0);
    hasData = false;
    eventName = "";
    return e;
  }

  private void field(int start, int end) {
    String line = new String(buf, start, end - start, StandardCharsets.UTF_8);
    if (line.startsWith(":")) {
      return; // comment
    }
    int colon = line.indexOf(':');
    String name = colon < 0 ? line : line.substring(0, colon);
    String value = colon < 0 ? "" : line.substring(colon + 1);
    if (value.startsWith(" ")) {
      value = value.substring(1);
    }
    switch (name) {
      case "data" -> {
        if (hasData) {
          data.append('\n');
        }
        data.append(value);
        hasData = true;
      }
      case "event" -> eventName = value;
      default -> {
        // id, retry and unknown fields are kept in the raw bytes only
      }
    }
  }

  private void ensure(int capacity) {
    if (capacity > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(capacity, buf.length * 2));
    }
  }
}
