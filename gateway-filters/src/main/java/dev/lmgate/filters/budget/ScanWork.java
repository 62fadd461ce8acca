package dev.lmgate.filters.budget;

import dev.lmgate.spi.Conversation;
import dev.lmgate.spi.Message;
import dev.lmgate.spi.RequestView;
import dev.lmgate.spi.TextPart;

/** What a request's scan costs and whom it is charged to, as the filters that scan text count. */
public final class ScanWork {
  /**
   * Conversations with more characters than this are scanned on the {@link FairScanScheduler}
   * rather than on the connection's event loop (well under a millisecond of work below it).
   */
  public static final int INLINE_CHARS = 16_384;

  private ScanWork() {}

  /**
   * Every character a text scan reads: all messages' parts and tool-call arguments, prompts and
   * inputs.
   */
  public static long chars(Conversation c) {
    long n = 0;
    for (Message m : c.messages()) {
      for (TextPart p : m.parts()) {
        n += p.text().length();
      }
      for (dev.lmgate.spi.ToolCall call : m.toolCalls()) {
        n += call.arguments() == null ? 0 : call.arguments().text().length();
      }
    }
    for (TextPart p : c.prompts()) {
      n += p.text().length();
    }
    for (TextPart p : c.inputs()) {
      n += p.text().length();
    }
    return n;
  }

  /**
   * Whom the scan is charged to for fair scheduling: the authenticated principal, else the client's
   * address without its port (one host's connections share a queue).
   */
  public static String caller(RequestView request) {
    return request
        .principal()
        .map(p -> "principal:" + p.id())
        .orElseGet(() -> "address:" + host(request.clientAddress()));
  }

  private static String host(String address) {
    if (address == null) {
      return "";
    }
    int colon = address.lastIndexOf(':');
    int bracket = address.lastIndexOf(']');
    return colon > bracket && colon > 0 ? address.substring(0, colon) : address;
  }
}
