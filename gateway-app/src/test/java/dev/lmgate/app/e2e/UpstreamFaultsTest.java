package dev.lmgate.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lmgate.app.Gateway;
import dev.lmgate.app.config.ConfigLoader;
import dev.lmgate.spi.ExchangeSummary;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the gateway does when LM Studio misbehaves mid-answer or the client goes away, with a
 * scripted upstream on a raw socket (the far edge): a reset mid-stream, a malformed event, a 5xx,
 * and a client that disconnects while LM Studio is still generating. The defined behaviour of every
 * fault is in docs/security-testing.md#faults.
 */
class UpstreamFaultsTest {
  static final String CHAT =
      "POST /v1/chat/completions HTTP/1.1\r\nHost: h\r\nConnection: close\r\nContent-Type: application/json\r\n"
          + "Content-Length: %d\r\n\r\n%s";
  static final String BODY =
      "{\"model\":\"qwen/qwen3-4b-2507\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  static final String HEAD =
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";

  ServerSocket upstream;
  Gateway gw;
  final BlockingQueue<ExchangeSummary> exchanges = new LinkedBlockingQueue<>();
  final CompletableFuture<Integer> eventsWrittenBeforeClose = new CompletableFuture<>();

  static String chunk(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return Integer.toHexString(b.length) + "\r\n" + s + "\r\n";
  }

  static String delta(String text) {
    return "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"m\",\"choices\":[{\"index\":0,"
        + "\"delta\":{\"content\":\""
        + text
        + "\"},\"finish_reason\":null}]}\n\n";
  }

  /** A check that failed on the scripted upstream's thread, reported after the test. */
  final java.util.concurrent.atomic.AtomicReference<AssertionError> upstreamFailure =
      new java.util.concurrent.atomic.AtomicReference<>();

  /** Starts an upstream that answers the first request with {@code script}, and the gateway. */
  void start(Consumer<Socket> script, String filters) throws Exception {
    upstream = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t =
        new Thread(
            () -> {
              try (Socket s = upstream.accept()) {
                InputStream in = s.getInputStream();
                byte[] buf = new byte[65536];
                int n = in.read(buf); // the request (small)
                assertThat(n).isPositive();
                script.accept(s);
              } catch (AssertionError e) {
                upstreamFailure.set(e); // reported by stop(): this thread's failures are lost
              } catch (Exception e) {
                // the script ended the connection
              }
            });
    t.setDaemon(true);
    t.start();
    ConfigLoader loader = new ConfigLoader(k -> null);
    gw =
        new Gateway(
                loader.parse(
                    // one event loop: LM Studio's connections are pooled per loop, and a test
                    // may check that a second exchange reuses the first one's
                    "server: {port: 0, access-log: false, worker-threads: 1}\n"
                        + "admin: {enabled: false}\n"
                        + "upstream: {url: \"http://127.0.0.1:"
                        + upstream.getLocalPort()
                        + "\"}\n"
                        + filters),
                null,
                loader,
                exchanges::add)
            .start();
  }

  @AfterEach
  void stop() throws Exception {
    if (gw != null) {
      gw.close();
    }
    if (upstream != null) {
      upstream.close();
    }
    assertThat(upstreamFailure.get()).as("the scripted upstream's checks").isNull();
  }

  /** Sends a streamed chat request and reads until the gateway closes or ends the answer. */
  String ask() throws Exception {
    try (Socket c = new Socket(InetAddress.getLoopbackAddress(), gw.address().getPort())) {
      c.setSoTimeout(10_000);
      c.getOutputStream()
          .write(CHAT.formatted(BODY.length(), BODY).getBytes(StandardCharsets.UTF_8));
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      InputStream in = c.getInputStream();
      byte[] buf = new byte[8192];
      try {
        for (int n; (n = in.read(buf)) > 0; ) {
          got.write(buf, 0, n);
          if (got.toString(StandardCharsets.UTF_8).endsWith("0\r\n\r\n")) {
            break; // the chunked answer ended
          }
        }
      } catch (java.net.SocketException e) {
        // cut by the gateway
      }
      return got.toString(StandardCharsets.UTF_8);
    }
  }

  static void write(Socket s, String text) {
    try {
      OutputStream out = s.getOutputStream();
      out.write(text.getBytes(StandardCharsets.UTF_8));
      out.flush();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void aStreamBlockedOnItsLastEventLeavesLmStudiosFinishedConnectionReusable() throws Exception {
    // The whole answer (framed by its length), its match in the last event, arrives in one read:
    // LM Studio is done, so its connection goes back to the pool and the next request uses it.
    String answer = delta("Hello") + delta(" secret") + "data: [DONE]\n\n";
    start(
        s -> {
          write(
              s,
              "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: "
                  + answer.getBytes(StandardCharsets.UTF_8).length
                  + "\r\n\r\n"
                  + answer);
          try {
            int n = s.getInputStream().read(new byte[65536]);
            assertThat(n).as("the next request, on the same connection").isPositive();
          } catch (java.io.IOException e) {
            throw new AssertionError("the gateway dropped LM Studio's finished connection", e);
          }
          write(s, HEAD + chunk(delta("Fine")) + chunk("data: [DONE]\n\n") + "0\r\n\r\n");
        },
        "filters:\n  - id: output-patterns\n    rules:\n      - name: k\n        pattern: 'secret'\n");
    assertThat(ask()).contains("\"finish_reason\":\"content_filter\"").doesNotContain("secret");
    assertThat(ask()).as("answered on the pooled connection").contains("Fine").contains("[DONE]");
  }

  @Test
  void aResetMidStreamCutsTheClientsConnectionAndIsRecordedAsAnUpstreamError() throws Exception {
    start(
        s -> {
          write(s, HEAD + chunk(delta("Hello")) + chunk(delta(" there")));
          try {
            Thread.sleep(100); // the two events reach the client before the reset
            s.setSoLinger(true, 0); // RST, not FIN
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        },
        "");
    String answer = ask();
    assertThat(answer).startsWith("HTTP/1.1 200").contains("Hello").doesNotContain("[DONE]");
    assertThat(answer).as("no clean ending: the client can tell").doesNotEndWith("0\r\n\r\n");
    ExchangeSummary s = exchanges.poll(5, TimeUnit.SECONDS);
    assertThat(s).isNotNull();
    assertThat(s.decision()).isEqualTo(ExchangeSummary.Decision.UPSTREAM_ERROR);
  }

  @Test
  void aMalformedEventOnAnInspectedStreamEndsItCleanlyAsBlocked() throws Exception {
    start(
        s ->
            write(
                s,
                HEAD
                    + chunk(delta("Hello"))
                    + chunk("data: {\"choices\":[{\"delta\":{\"content\":\"unterminated\n\n")
                    + chunk(delta(" never sent"))
                    + "0\r\n\r\n"),
        "filters:\n  - id: output-patterns\n    rules:\n      - name: k\n        pattern: 'secret'\n");
    String answer = ask();
    assertThat(answer)
        .contains("\"finish_reason\":\"content_filter\"")
        .contains("[DONE]")
        .doesNotContain("never sent")
        .doesNotContain("unterminated");
    ExchangeSummary s = exchanges.poll(5, TimeUnit.SECONDS);
    assertThat(s.decision()).isEqualTo(ExchangeSummary.Decision.BLOCKED_RESPONSE);
  }

  @Test
  void aServerErrorFromLmStudioReachesTheClientAsSentAndIsRecorded() throws Exception {
    String error = "{\"error\":{\"message\":\"Model crashed\",\"type\":\"server_error\"}}";
    start(
        s ->
            write(
                s,
                "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: "
                    + error.length()
                    + "\r\n\r\n"
                    + error),
        "");
    String answer = ask();
    assertThat(answer).startsWith("HTTP/1.1 500").contains("Model crashed");
    ExchangeSummary s = exchanges.poll(5, TimeUnit.SECONDS);
    assertThat(s.status()).isEqualTo(500);
  }

  @Test
  void aClientThatLeavesMidStreamStopsLmStudioAtOnce() throws Exception {
    start(
        s -> {
          write(s, HEAD);
          int i = 0;
          try {
            for (; i < 400; i++) { // 20 s of generation, unless the gateway hangs up
              write(s, chunk(delta("token" + i)));
              Thread.sleep(50); // paced like a model generating: one token per 50 ms
            }
          } catch (Exception e) {
            // the gateway closed its side: LM Studio stops generating
          }
          eventsWrittenBeforeClose.complete(i);
        },
        "");
    try (Socket c = new Socket(InetAddress.getLoopbackAddress(), gw.address().getPort())) {
      c.getOutputStream()
          .write(CHAT.formatted(BODY.length(), BODY).getBytes(StandardCharsets.UTF_8));
      byte[] buf = new byte[4096];
      int n = c.getInputStream().read(buf);
      assertThat(new String(buf, 0, n, StandardCharsets.UTF_8)).startsWith("HTTP/1.1 200");
      Thread.sleep(200); // a few events arrive
      c.setSoLinger(true, 0); // then the client is gone
    }
    assertThat(eventsWrittenBeforeClose.get(15, TimeUnit.SECONDS))
        .as("LM Studio's connection is closed long before the answer would have ended")
        .isLessThan(100);
    ExchangeSummary s = exchanges.poll(5, TimeUnit.SECONDS);
    assertThat(s.decision()).isEqualTo(ExchangeSummary.Decision.CLIENT_ABORTED);
  }
}
