package dev.lmgate.core.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.List;
import java.util.Set;

/** Copies end-to-end headers only (RFC 9110 §7.6.1): hop-by-hop fields stay on their hop. */
final class HopByHop {
  private static final Set<AsciiString> HOP =
      Set.of(
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
    List<String> listed = from.getAll(HttpHeaderNames.CONNECTION);
    for (var e : from) {
      AsciiString name = AsciiString.of(e.getKey()).toLowerCase();
      if (HOP.contains(name) || contains(skip, name) || listedIn(listed, name)) {
        continue;
      }
      to.add(e.getKey(), e.getValue());
    }
  }

  private static boolean contains(AsciiString[] names, AsciiString n) {
    for (AsciiString s : names) {
      if (s.contentEqualsIgnoreCase(n)) {
        return true;
      }
    }
    return false;
  }

  /** Fields named in {@code Connection} are hop-by-hop too. */
  private static boolean listedIn(List<String> connection, AsciiString name) {
    for (String v : connection) {
      for (String token : v.split(",")) {
        if (name.contentEqualsIgnoreCase(token.trim())) {
          return true;
        }
      }
    }
    return false;
  }
}
