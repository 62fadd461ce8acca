package dev.lmgate.core.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.lmgate.core.dialect.RequestReader;
import dev.lmgate.core.dialect.ResponseReader;
import dev.lmgate.core.dialect.StreamAdapter;
import dev.lmgate.core.json.Json;
import dev.lmgate.core.route.RouteTable;
import dev.lmgate.core.sse.SseEvent;
import dev.lmgate.core.sse.SseParser;
import dev.lmgate.core.stream.StreamGuard;
import dev.lmgate.spi.Route;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Every dialect's readers and stream adapter on arbitrary JSON and events: requests, answers and
 * streams that are not what the API documents must be read or refused, never crash the gateway (no
 * exception escapes), and a blocked stream's ending is always produced.
 */
class DialectFuzzTest {
  static final String[] PATHS = {
    "/v1/chat/completions",
    "/v1/completions",
    "/v1/responses",
    "/v1/messages",
    "/api/v1/chat",
    "/api/v0/chat/completions",
    "/v1/embeddings"
  };

  @FuzzTest(maxDuration = "10s")
  void readersAndStreamAdaptersTakeAnyJson(FuzzedDataProvider data) {
    String path = data.pickValue(PATHS);
    Route route = ((RouteTable.Found) RouteTable.lmStudio().match("POST", path)).route();
    byte[] body = data.consumeBytes(2048);
    Json.parse(body)
        .ifPresent(
            json -> {
              RequestReader.read(route, json);
              ResponseReader.read(route, json);
            });
    StreamAdapter adapter = StreamAdapter.forRoute(route);
    byte[] stream = data.consumeRemainingAsBytes();
    try {
      for (SseEvent e : new SseParser(1 << 16).feed(stream, 0, stream.length)) {
        var json =
            e.data().isEmpty() || e.isDone()
                ? null
                : Json.parse(e.data().getBytes(StandardCharsets.UTF_8)).orElse(null);
        adapter.pieces(e, json);
        adapter.snapshots(e, json);
        adapter.toolNames(e, json);
        adapter.isFinishing(e, json);
      }
    } catch (SseParser.SseTooLargeException e) {
      // refused, as the guard would
    }
    adapter.blockedEnding("stopped");
    new StreamGuard(adapter, List.of(), 1 << 16).onBytes(stream);
  }
}
