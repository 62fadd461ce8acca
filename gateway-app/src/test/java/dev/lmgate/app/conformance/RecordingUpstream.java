package dev.lmgate.app.conformance;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stand-in for LM Studio that records every byte the gateway sends it, on raw sockets, and
 * answers each request it can frame with a small JSON 200. What matters to the smuggling tests is
 * the raw record: how many request lines arrived, and whether anything the client tried to smuggle
 * did.
 */
final class RecordingUpstream implements AutoCloseable {
  private static final Pattern REQUEST_LINE =
      Pattern.compile(
          "(?m)^(GET|POST|PUT|DELETE|HEAD|OPTIONS|PATCH|TRACE|CONNECT) \\S+ HTTP/1\\.[01]\\r?$");
  private final ServerSocket server;
  private final ExecutorService pool = Executors.newCachedThreadPool();
  private final ByteArrayOutputStream received = new ByteArrayOutputStream();

  RecordingUpstream() throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    pool.submit(this::accept);
  }

  int port() {
    return server.getLocalPort();
  }

  /** Everything received so far, as ISO-8859-1 text (bytes preserved). */
  synchronized String received() {
    return received.toString(StandardCharsets.ISO_8859_1);
  }

  synchronized void clear() {
    received.reset();
  }

  /** How many request lines arrived. */
  int requests() {
    Matcher m = REQUEST_LINE.matcher(received());
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        pool.submit(() -> serve(s));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket s) {
    try (s;
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream()) {
      ByteArrayOutputStream pending = new ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      for (int n; (n = in.read(buf)) > 0; ) {
        synchronized (this) {
          received.write(buf, 0, n);
        }
        pending.write(buf, 0, n);
        // answer every complete Content-Length-framed request (the gateway's own framing)
        while (true) {
          String text = pending.toString(StandardCharsets.ISO_8859_1);
          int end = text.indexOf("\r\n\r\n");
          if (end < 0) {
            break;
          }
          Matcher cl =
              Pattern.compile("(?im)^content-length:\\s*(\\d+)\\s*$")
                  .matcher(text.substring(0, end));
          int length = cl.find() ? Integer.parseInt(cl.group(1)) : 0;
          if (text.length() < end + 4 + length) {
            break;
          }
          byte[] rest = text.substring(end + 4 + length).getBytes(StandardCharsets.ISO_8859_1);
          pending.reset();
          pending.write(rest);
          String body =
              text.toLowerCase(Locale.ROOT).contains("/v1/models")
                  ? "{\"data\":[]}"
                  : "{\"id\":\"x\",\"choices\":[]}";
          out.write(
              ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                      + body.length()
                      + "\r\n\r\n"
                      + body)
                  .getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
        }
      }
    } catch (SocketException e) {
      // the gateway closed its connection
    } catch (IOException e) {
      // nothing to record
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    pool.shutdownNow();
  }
}
