package dev.lmgate.app.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lmgate.app.Gateway;
import dev.lmgate.app.config.ConfigLoader;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * HTTP/1.1 conformance and request smuggling, on raw sockets, against the running gateway in front
 * of an upstream that records every byte it gets. Each vector is either refused (a 4xx/5xx answer
 * or a closed connection, and nothing forwarded) or — for messages that are unusual but valid —
 * forwarded consistently (at most as many requests as the client sent, in the gateway's own
 * framing). In no case does the upstream see the smuggled request ({@code smuggled=1}) or a
 * forbidden hop-by-hop header. The vectors and their sources are listed in
 * docs/security-testing.md.
 */
class HttpSmugglingTest {
  static final String SMUGGLED = "GET /v1/models?smuggled=1 HTTP/1.1\r\nHost: h\r\n\r\n";
  static final String BODY = "{\"model\":\"m\",\"messages\":[]}";
  static final String LEN = Integer.toString(BODY.length());
  static final String HEX = Integer.toHexString(BODY.length());
  static final String CHUNKED = HEX + "\r\n" + BODY + "\r\n0\r\n\r\n";

  static RecordingUpstream upstream;
  static Gateway gw;

  /** What a vector must lead to. */
  enum Expect {
    /** A 4xx/5xx or a closed connection; nothing reaches the upstream. */
    REFUSED,
    /**
     * Valid but unusual: at most {@code maxForwarded} requests reach the upstream, none smuggled.
     */
    CONSISTENT
  }

  record Vector(String name, String source, String request, Expect expect, int maxForwarded) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Vector refused(String name, String source, String request) {
    return new Vector(name, source, request, Expect.REFUSED, 0);
  }

  static Vector consistent(String name, String source, String request, int max) {
    return new Vector(name, source, request, Expect.CONSISTENT, max);
  }

  /** A chat POST with these extra header lines (each ending in CRLF) and this body. */
  static String post(String headers, String body) {
    return "POST /v1/chat/completions HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\n"
        + headers
        + "\r\n"
        + body;
  }

  static List<Vector> vectors() {
    List<Vector> v = new ArrayList<>();
    // --- CL.TE and TE.CL ---------------------------------------------------------------------
    v.add(
        refused(
            "cl-te",
            "RFC 9112 §6.3 ¶3; CVE-2019-20445",
            post(
                "Content-Length: " + (CHUNKED.length()) + "\r\nTransfer-Encoding: chunked\r\n",
                CHUNKED + SMUGGLED)));
    v.add(
        refused(
            "te-cl",
            "RFC 9112 §6.3 ¶3; PortSwigger TE.CL",
            post("Transfer-Encoding: chunked\r\nContent-Length: 4\r\n", CHUNKED + SMUGGLED)));
    v.add(
        refused(
            "cl-te-http10",
            "RFC 9112 §6.1, §6.3",
            post("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", CHUNKED + SMUGGLED)
                .replaceFirst("HTTP/1.1", "HTTP/1.0")));
    // --- Transfer-Encoding obfuscations ------------------------------------------------------
    v.add(
        refused(
            "te-xchunked",
            "RFC 9112 §6.1 (unknown coding: 501)",
            post("Transfer-Encoding: xchunked\r\n", CHUNKED + SMUGGLED)));
    v.add(
        refused(
            "te-chunked-identity",
            "RFC 9112 §6.1 (chunked must be last)",
            post("Transfer-Encoding: chunked, identity\r\n", CHUNKED + SMUGGLED)));
    v.add(
        refused(
            "te-identity-chunked",
            "RFC 9112 §6.1; RFC 7230 removed identity",
            post("Transfer-Encoding: identity, chunked\r\n", CHUNKED + SMUGGLED)));
    v.add(
        refused(
            "te-gzip-chunked",
            "RFC 9112 §6.1 (coding the proxy does not apply: 501)",
            post("Transfer-Encoding: gzip, chunked\r\n", CHUNKED + SMUGGLED)));
    v.add(
        refused(
            "te-chunked-twice",
            "RFC 9112 §7 (chunked applied once)",
            post("Transfer-Encoding: chunked, chunked\r\n", CHUNKED + SMUGGLED)));
    v.add(
        refused(
            "te-duplicate-header",
            "RFC 9110 §5.3; RFC 9112 §7",
            post(
                "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
                CHUNKED + SMUGGLED)));
    v.add(
        refused(
            "te-space-before-colon",
            "RFC 9112 §5.1; CVE-2019-16869, CVE-2020-7238",
            post(
                "Transfer-Encoding : chunked\r\nContent-Length: " + CHUNKED.length() + "\r\n",
                CHUNKED + SMUGGLED)));
    v.add(
        refused(
            "te-tab-before-colon",
            "RFC 9112 §5.1",
            post("Transfer-Encoding\t: chunked\r\n", CHUNKED + SMUGGLED)));
    v.add(
        refused(
            "te-obs-fold",
            "RFC 9112 §5.2",
            post("Transfer-Encoding:\r\n chunked\r\n", CHUNKED + SMUGGLED)));
    v.add(
        refused(
            "te-vertical-tab",
            "RFC 9110 §5.5 (VT is not whitespace)",
            post("Transfer-Encoding:\u000bchunked\r\n", CHUNKED + SMUGGLED)));
    v.add(
        refused(
            "te-nul",
            "RFC 9110 §5.5",
            post("Transfer-Encoding: chunked\u0000\r\n", CHUNKED + SMUGGLED)));
    v.add(
        refused(
            "te-mixed-case-with-cl",
            "RFC 9112 §6.3 ¶3 (names and codings are case-insensitive)",
            post("tRANSFER-eNCODING: ChUnKeD\r\nContent-Length: 4\r\n", CHUNKED + SMUGGLED)));
    v.add(
        refused(
            "te-in-http10",
            "RFC 9112 §6.1 last ¶",
            post("Transfer-Encoding: chunked\r\n", CHUNKED + SMUGGLED)
                .replaceFirst("HTTP/1.1", "HTTP/1.0")));
    v.add(
        consistent(
            "te-mixed-case-alone",
            "RFC 9112 §6.1 (valid: case-insensitive)",
            post("Transfer-Encoding: Chunked\r\n", CHUNKED),
            1));
    // --- Content-Length variants -------------------------------------------------------------
    v.add(
        refused(
            "cl-duplicate-different",
            "RFC 9112 §6.3 ¶5; CVE-2019-20445",
            post("Content-Length: " + LEN + "\r\nContent-Length: 5\r\n", BODY + SMUGGLED)));
    v.add(
        refused(
            "cl-list-different",
            "RFC 9110 §8.6",
            post("Content-Length: " + LEN + ", 5\r\n", BODY + SMUGGLED)));
    v.add(
        refused(
            "cl-plus",
            "RFC 9110 §8.6 (1*DIGIT)",
            post("Content-Length: +" + LEN + "\r\n", BODY + SMUGGLED)));
    v.add(
        refused(
            "cl-hex", "RFC 9110 §8.6", post("Content-Length: 0x" + HEX + "\r\n", BODY + SMUGGLED)));
    v.add(refused("cl-negative", "RFC 9110 §8.6", post("Content-Length: -1\r\n", BODY + SMUGGLED)));
    v.add(
        refused(
            "cl-overflow",
            "RFC 9112 §6.3 ¶5 (overflow)",
            post("Content-Length: 99999999999999999999999\r\n", BODY + SMUGGLED)));
    v.add(
        refused(
            "cl-space-inside", "RFC 9110 §8.6", post("Content-Length: 2 8\r\n", BODY + SMUGGLED)));
    v.add(
        refused(
            "cl-space-before-colon",
            "RFC 9112 §5.1; CVE-2019-16869",
            post("Content-Length : " + LEN + "\r\n", BODY + SMUGGLED)));
    v.add(
        consistent(
            "cl-leading-zero",
            "RFC 9110 §8.6 (valid: 1*DIGIT)",
            post("Content-Length: 0" + LEN + "\r\n", BODY),
            1));
    v.add(
        consistent(
            "cl-duplicate-same",
            "RFC 9112 §6.3 ¶5 (may be accepted as one)",
            post("Content-Length: " + LEN + "\r\nContent-Length: " + LEN + "\r\n", BODY),
            1));
    // --- chunk syntax -------------------------------------------------------------------------
    String te = "Transfer-Encoding: chunked\r\n";
    v.add(
        refused(
            "chunk-bare-lf",
            "RFC 9112 §2.2, §7.1",
            post(te, HEX + "\n" + BODY + "\n0\n\n" + SMUGGLED)));
    v.add(
        refused(
            "chunk-ext-bare-lf",
            "RFC 9112 §7.1.1; CVE-2025-58056",
            post(te, HEX + ";a=b\nX\r\n" + BODY + "\r\n0\r\n\r\n" + SMUGGLED)));
    v.add(
        refused(
            "chunk-ext-unterminated-quote",
            "RFC 9112 §7.1.1",
            post(te, HEX + ";a=\"x\r\n" + BODY + "\r\n0\r\n\r\n" + SMUGGLED)));
    v.add(
        refused(
            "chunk-size-plus",
            "RFC 9112 §7.1 (1*HEXDIG)",
            post(te, "+" + HEX + "\r\n" + BODY + "\r\n0\r\n\r\n" + SMUGGLED)));
    v.add(
        refused(
            "chunk-size-0x",
            "RFC 9112 §7.1",
            post(te, "0x" + HEX + "\r\n" + BODY + "\r\n0\r\n\r\n" + SMUGGLED)));
    v.add(
        refused(
            "chunk-size-huge",
            "RFC 9112 §7.1 (overflow)",
            post(te, "ffffffffffffffffffff\r\n" + BODY + "\r\n0\r\n\r\n" + SMUGGLED)));
    v.add(
        refused(
            "chunk-size-negative",
            "RFC 9112 §7.1",
            post(te, "-1\r\n" + BODY + "\r\n0\r\n\r\n" + SMUGGLED)));
    v.add(
        refused(
            "chunk-size-trailing-space",
            "RFC 9112 §7.1.1 (BWS only before ';')",
            post(te, HEX + " \r\n" + BODY + "\r\n0\r\n\r\n" + SMUGGLED)));
    v.add(
        refused(
            "chunk-missing-crlf-after-data",
            "RFC 9112 §7.1",
            post(te, HEX + "\r\n" + BODY + "0\r\n\r\n" + SMUGGLED)));
    v.add(
        refused(
            "chunk-data-longer-than-size",
            "RFC 9112 §7.1",
            post(te, "5\r\n" + BODY + "\r\n0\r\n\r\n" + SMUGGLED)));
    v.add(
        consistent(
            "chunk-trailer-content-length",
            "RFC 9112 §7.1.2 (trailers never frame)",
            post(te, HEX + "\r\n" + BODY + "\r\n0\r\nContent-Length: 100\r\n\r\n"),
            1));
    v.add(
        consistent(
            "chunk-trailer-transfer-encoding",
            "RFC 9112 §7.1.2",
            post(te, HEX + "\r\n" + BODY + "\r\n0\r\nTransfer-Encoding: chunked\r\n\r\n"),
            1));
    // --- Expect ---------------------------------------------------------------------------------
    v.add(
        refused(
            "expect-unknown",
            "RFC 9110 §10.1.1 (417)",
            post("Expect: 100-continuex\r\nContent-Length: " + LEN + "\r\n", BODY + SMUGGLED)));
    v.add(
        consistent(
            "expect-100-with-body-and-pipelined",
            "RFC 9110 §10.1.1; desync",
            post("Expect: 100-continue\r\nContent-Length: " + LEN + "\r\n", BODY)
                + "GET /v1/models?pipelined=1 HTTP/1.1\r\nHost: h\r\n\r\n",
            2));
    // --- header hygiene
    // ---------------------------------------------------------------------------
    v.add(
        refused(
            "header-without-colon",
            "RFC 9112 §5; CVE-2019-20444",
            post("X-No-Colon\r\nContent-Length: " + LEN + "\r\n", BODY + SMUGGLED)));
    v.add(
        refused(
            "header-nul-in-name",
            "RFC 9110 §5.1",
            post("X-A\u0000B: 1\r\nContent-Length: " + LEN + "\r\n", BODY + SMUGGLED)));
    v.add(
        refused(
            "header-nul-in-value",
            "RFC 9110 §5.5",
            post("X-A: 1\u00002\r\nContent-Length: " + LEN + "\r\n", BODY + SMUGGLED)));
    v.add(
        refused(
            "header-bare-cr-in-value",
            "RFC 9112 §2.2",
            post("X-A: 1\r2\r\nContent-Length: " + LEN + "\r\n", BODY + SMUGGLED)));
    v.add(
        refused(
            "header-lf-in-value",
            "RFC 9112 §2.2",
            post("X-A: 1\n2\r\nContent-Length: " + LEN + "\r\n", BODY + SMUGGLED)));
    v.add(
        refused(
            "header-control-in-name",
            "RFC 9110 §5.1; CVE-2021-43797",
            post("X\u0001A: 1\r\nContent-Length: " + LEN + "\r\n", BODY + SMUGGLED)));
    v.add(
        refused(
            "header-control-in-value",
            "RFC 9110 §5.5",
            post("X-A: 1\u00012\r\nContent-Length: " + LEN + "\r\n", BODY + SMUGGLED)));
    v.add(
        refused(
            "header-name-with-space",
            "RFC 9110 §5.1 (token)",
            post("X A: 1\r\nContent-Length: " + LEN + "\r\n", BODY + SMUGGLED)));
    v.add(
        refused(
            "whitespace-before-first-header",
            "RFC 9112 §2.2",
            "POST /v1/chat/completions HTTP/1.1\r\n Host: h\r\nContent-Length: "
                + LEN
                + "\r\n\r\n"
                + BODY
                + SMUGGLED));
    v.add(
        refused(
            "request-line-too-long",
            "RFC 9112 §3 (414/400)",
            "GET /v1/models?" + "a".repeat(9000) + " HTTP/1.1\r\nHost: h\r\n\r\n"));
    v.add(
        refused(
            "header-block-too-large",
            "RFC 6585 §5 (431/400)",
            "GET /v1/models HTTP/1.1\r\nHost: h\r\n"
                + "X-Big: "
                + "b".repeat(8000)
                + "\r\n"
                + ("X-More: " + "c".repeat(8000) + "\r\n").repeat(4)
                + "\r\n"));
    v.add(refused("missing-host", "RFC 9112 §3.2", "GET /v1/models HTTP/1.1\r\n\r\n"));
    v.add(
        refused(
            "duplicate-host",
            "RFC 9112 §3.2",
            "GET /v1/models HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"));
    v.add(
        refused(
            "absolute-form-to-elsewhere",
            "RFC 9112 §3.2.2",
            "GET http://169.254.169.254/latest/meta-data HTTP/1.1\r\nHost: h\r\n\r\n"));
    v.add(
        refused(
            "http2-preface",
            "RFC 9113 §3.4 (no h2 on this port)",
            "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"));
    v.add(
        refused(
            "http-version-garbage",
            "RFC 9112 §2.3",
            "GET /v1/models HTTP/9.9x\r\nHost: h\r\n\r\n"));
    // --- upgrades
    // ---------------------------------------------------------------------------------
    v.add(
        consistent(
            "upgrade-h2c",
            "RFC 9113 §3.1 (h2c not forwarded)",
            "GET /v1/models HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                + "HTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n",
            1));
    return v;
  }

  @BeforeAll
  static void start() throws Exception {
    upstream = new RecordingUpstream();
    ConfigLoader loader = new ConfigLoader(k -> null);
    gw =
        new Gateway(
                loader.parse(
                    "server: {port: 0, access-log: false, max-request-bytes: 65536}\n"
                        + "admin: {enabled: false}\nupstream: {url: \"http://127.0.0.1:"
                        + upstream.port()
                        + "\"}\n"),
                null,
                loader,
                s -> {})
            .start();
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
    upstream.close();
  }

  @BeforeEach
  void clear() {
    upstream.clear();
  }

  /** Sends the bytes, half-closes, and reads until the gateway closes (or 5 s pass). */
  static String exchange(String request) throws Exception {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), gw.address().getPort())) {
      s.setSoTimeout(5000);
      s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      s.shutdownOutput();
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[8192];
      try {
        for (int n; (n = in.read(buf)) > 0; ) {
          got.write(buf, 0, n);
        }
      } catch (SocketTimeoutException e) {
        throw new AssertionError("the gateway neither answered nor closed within 5 s");
      } catch (java.net.SocketException e) {
        // reset by the gateway: a close
      }
      return got.toString(StandardCharsets.ISO_8859_1);
    }
  }

  static final Pattern STATUS = Pattern.compile("(?m)^HTTP/1\\.[01] (\\d{3})");

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void noVectorSmugglesARequestPastTheGateway(Vector v) throws Exception {
    String answer = exchange(v.request());
    Thread.sleep(50); // let anything forwarded land
    String seen = upstream.received();
    assertThat(seen)
        .as("%s (%s): the upstream saw the smuggled request", v, v.source())
        .doesNotContain("smuggled=1");
    assertThat(seen.toLowerCase())
        .as("%s: hop-by-hop upgrade forwarded", v)
        .doesNotContain("upgrade: h2c")
        .doesNotContain("http2-settings");
    Matcher m = STATUS.matcher(answer);
    List<Integer> statuses = new ArrayList<>();
    while (m.find()) {
      statuses.add(Integer.parseInt(m.group(1)));
    }
    if (v.expect() == Expect.REFUSED) {
      assertThat(upstream.requests()).as("%s (%s): forwarded", v, v.source()).isZero();
      assertThat(statuses)
          .as("%s (%s): answered %s", v, v.source(), answer.lines().findFirst().orElse("(closed)"))
          .allSatisfy(code -> assertThat(code).isBetween(400, 599));
    } else {
      assertThat(upstream.requests()).as("%s: forwarded", v).isLessThanOrEqualTo(v.maxForwarded());
    }
  }
}
