package dev.lmgate.core.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Copies end-to-end headers only (RFC 9110 §7.6.1): hop-by-hop fields stay on their hop. */
final class HopByHop {
  private static final List<AsciiString> HOP =
      List.of(
          HttpHeaderNames.CONNECTION,
          HttpHeaderNames.KEEP_ALIVE,
          HttpHeaderNames.PROXY_CONNECTION,
          HttpHeaderNames.PROXY_AUTHENTICATE,
          HttpHeaderNames.PROXY_AUTHORIZATION,
          HttpHeaderNames.TE,
          HttpHeaderNames.TRAILER,
          HttpHeaderNames.TRANSFER_ENCODING,
          HttpHeaderNames.UPGRADE,
          AsciiString.cached("http2-settings"));

  private HopByHop() {}

  /** Copies {@code from} into {@code to} without hop-by-hop fields and the extra names given. */
  static void copy(HttpHeaders from, HttpHeaders to, AsciiString... skip) {
    List<String> listed = connectionTokens(from); // parsed once, not per header
    for (Iterator<Map.Entry<CharSequence, CharSequence>> it = from.iteratorCharSequence();
        it.hasNext(); ) {
      Map.Entry<CharSequence, CharSequence> e = it.next();
      CharSequence name = e.getKey();
      if (isHop(name) || contains(skip, name) || listedIn(listed, name)) {
        continue;
      }
      to.add(name, e.getValue());
    }
  }

  private static boolean isHop(CharSequence name) {
    for (AsciiString h : HOP) {
      if (h.contentEqualsIgnoreCase(name)) {
        return true;
      }
    }
    return false;
  }

  private static boolean contains(AsciiString[] names, CharSequence n) {
    for (AsciiString s : names) {
      if (s.contentEqualsIgnoreCase(n)) {
        return true;
      }
    }
    return false;
  }

  /** Fields named in {@code Connection} are hop-by-hop too. */
  private static List<String> connectionTokens(HttpHeaders from) {
    List<String> values = from.getAll(HttpHeaderNames.CONNECTION);
    if (values.isEmpty()) {
      return List.of();
    }
    List<String> tokens = new java.util.ArrayList<>(2);
    for (String v : values) {
      for (String token : v.split(",")) {
        tokens.add(token.trim());
      }
    }
    return tokens;
  }

  private static boolean listedIn(List<String> tokens, CharSequence name) {
    for (String token : tokens) {
      if (AsciiString.contentEqualsIgnoreCase(name, token)) {
        return true;
      }
    }
    return false;
  }
}
