package dev.lmgate.core.fuzz;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import dev.lmgate.core.dialect.RequestReader;
import dev.lmgate.core.dialect.ResponseReader;
import dev.lmgate.core.dialect.StreamAdapter;
import dev.lmgate.core.json.Json;
import dev.lmgate.core.route.RouteTable;
import dev.lmgate.core.sse.SseEvent;
import dev.lmgate.core.sse.SseParser;
import dev.lmgate.core.stream.StreamGuard;
import dev.lmgate.spi.Conversation;
import dev.lmgate.spi.Operation;
import dev.lmgate.spi.Route;
import dev.lmgate.spi.TextPart;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Every dialect's readers and stream adapter on arbitrary JSON and events: requests, answers and
 * streams that are not what the API documents must be read or refused, never crash the gateway (no
 * exception escapes). And what filters rely on holds for any input: every text the reader hands the
 * filters is the string at its pointer in the body (so what is scanned is what is forwarded, and an
 * edit lands where the text was); a guard without filters passes a stream through byte for byte; a
 * blocked stream's ending is a well-formed stream that ends with the dialect's final event.
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
              Conversation c = RequestReader.read(route, json);
              List<TextPart> parts = new ArrayList<>(c.prompts());
              parts.addAll(c.inputs());
              c.messages().forEach(m -> parts.addAll(m.parts()));
              for (TextPart p : parts) {
                JsonNode at = json.at(p.pointer());
                assertThat(at.isTextual())
                    .as("%s %s: a string at %s in %s", path, p, p.pointer(), json)
                    .isTrue();
                assertThat(at.asText()).as("%s at %s", path, p.pointer()).isEqualTo(p.text());
              }
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
    if (route.operation() == Operation.EMBEDDINGS) {
      return; // never streamed
    }
    byte[] ending = adapter.blockedEnding("stopped");
    List<SseEvent> end = new SseParser(1 << 16).feed(ending, 0, ending.length);
    assertThat(end).as("%s: a blocked stream's ending has events", path).isNotEmpty();
    SseEvent last = end.get(end.size() - 1);
    assertThat(
            last.isDone()
                || adapter.isFinal(
                    last, Json.parse(last.data().getBytes(StandardCharsets.UTF_8)).orElse(null)))
        .as("%s: a blocked stream ends with the final event: %s", path, new String(ending, UTF_8))
        .isTrue();

    StreamGuard guard = new StreamGuard(StreamAdapter.forRoute(route), List.of(), 1 << 16);
    StreamGuard.Step step = guard.onBytes(stream);
    if (!step.blocked()) { // refused only when an event exceeds the limit
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.writeBytes(step.release());
      if (!step.ended()) {
        StreamGuard.Step last2 = guard.onEnd();
        out.writeBytes(last2.release());
      }
      assertThat(out.toByteArray())
          .as("%s: without filters the stream passes unchanged", path)
          .isEqualTo(stream);
    }
  }
}
