package dev.lmgate.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class WebSocketTunnelTest {
  @RegisterExtension
  static final GatewayExtension gw =
      GatewayExtension.config(
          """
          server: {port: 0, access-log: false, websocket: true}
          admin: {enabled: false}
          upstream: {url: "{simulator}"}
          """);

  @Test
  void withWebSocketEnabledTheSdkChannelIsTunnelledToLmStudio() throws Exception {
    CompletableFuture<String> reply = new CompletableFuture<>();
    WebSocket ws =
        HttpClient.newHttpClient()
            .newWebSocketBuilder()
            .buildAsync(
                URI.create("ws://127.0.0.1:" + gw.port() + "/llm"),
                new WebSocket.Listener() {
                  @Override
                  public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                    reply.complete(data.toString());
                    return null;
                  }
                })
            .get(5, TimeUnit.SECONDS);
    ws.sendText("{\"authVersion\":1}", true);
    assertThat(reply.get(5, TimeUnit.SECONDS)).isEqualTo("echo: {\"authVersion\":1}");
    ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
  }
}
