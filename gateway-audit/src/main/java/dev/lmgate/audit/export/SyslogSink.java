package dev.lmgate.audit.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * RFC 5424 syslog messages over TCP (RFC 6587 octet counting), optionally TLS (RFC 5425): {@code
 * <PRI>1 TIMESTAMP HOST lmgate - AUDIT - <ECS JSON>}, facility local0, severity from the record.
 * Reconnects when the connection drops; the exporter retries what failed.
 *
 * <p>Over TLS the collector's certificate must chain to a trusted CA <em>and</em> name {@code host}
 * (RFC 2818/6125 host-name check, as for LM Studio upstream): a certificate the CA issued to some
 * other host is refused, so a host that can redirect the connection cannot read the audit stream
 * with any certificate of the same CA.
 */
public final class SyslogSink implements RecordSink {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final int LOCAL0 = 16;

  private final String host;
  private final int port;
  private final SSLSocketFactory tls;
  private final String hostname;
  private Socket socket;
  private OutputStream out;

  /**
   * @param tls the TLS socket factory, or {@code null} for plain TCP
   */
  public SyslogSink(String host, int port, SSLSocketFactory tls) {
    this.host = host;
    this.port = port;
    this.tls = tls;
    String h;
    try {
      h = InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      h = "-";
    }
    this.hostname = h.isEmpty() ? "-" : h.replace(' ', '-');
  }

  @Override
  public void send(ObjectNode ecs, String severity) throws IOException {
    int sev =
        switch (severity) {
          case "critical" -> 2;
          case "warning" -> 4;
          default -> 6;
        };
    String msg =
        "<"
            + (LOCAL0 * 8 + sev)
            + ">1 "
            + ecs.path("@timestamp").asText("-")
            + " "
            + hostname
            + " lmgate - AUDIT - "
            + MAPPER.writeValueAsString(ecs);
    byte[] b = msg.getBytes(StandardCharsets.UTF_8);
    byte[] frame = (b.length + " ").getBytes(StandardCharsets.US_ASCII);
    try {
      connect();
      out.write(frame);
      out.write(b);
      out.flush();
    } catch (IOException e) {
      disconnect();
      throw e;
    }
  }

  private void connect() throws IOException {
    if (socket != null) {
      return;
    }
    Socket s = new Socket();
    try {
      s.connect(new InetSocketAddress(host, port), 5_000);
      if (tls != null) {
        SSLSocket t = (SSLSocket) tls.createSocket(s, host, port, true);
        SSLParameters p = t.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS"); // the JDK's default for sockets is none
        t.setSSLParameters(p);
        s = t; // closing it closes the plain socket too
        t.startHandshake();
      }
    } catch (IOException e) {
      s.close();
      throw e;
    }
    socket = s;
    out = s.getOutputStream();
  }

  private void disconnect() {
    try {
      if (socket != null) {
        socket.close();
      }
    } catch (IOException e) {
      // already gone
    }
    socket = null;
    out = null;
  }

  @Override
  public void close() {
    disconnect();
  }
}
