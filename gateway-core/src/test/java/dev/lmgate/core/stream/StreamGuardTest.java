package dev.lmgate.core.stream;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lmgate.core.SharedFixtures;
import dev.lmgate.core.chain.StreamPlan;
import dev.lmgate.core.dialect.StreamAdapter;
import dev.lmgate.core.json.Json;
import dev.lmgate.core.route.RouteTable;
import dev.lmgate.core.sse.SseEvent;
import dev.lmgate.core.sse.SseParser;
import dev.lmgate.spi.FilterSettings;
import dev.lmgate.spi.OutputChannel;
import dev.lmgate.spi.Route;
import dev.lmgate.spi.StreamInspector;
import dev.lmgate.spi.StreamInspector.Span;
import dev.lmgate.spi.StreamInspector.StreamDecision;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StreamGuardTest {

  /** Finds a literal, like a rule would; blocks or redacts. */
  record Literal(String needle, boolean redact, int holdBack) implements StreamInspector {
    @Override
    public int holdBack() {
      return holdBack;
    }

    @Override
    public StreamDecision inspect(
        String key, OutputChannel channel, String text, int scanFrom, boolean complete) {
      List<Span> spans = new ArrayList<>();
      for (int i = text.indexOf(needle, Math.max(0, scanFrom - needle.length()));
          i >= 0;
          i = text.indexOf(needle, i + 1)) {
        if (!redact) {
          return StreamDecision.block("literal");
        }
        spans.add(new Span(i, i + needle.length(), "[X]"));
      }
      return spans.isEmpty() ? StreamDecision.pass() : StreamDecision.redact("literal", spans);
    }
  }

  static final Map<String, String> FIXTURE_ROUTE =
      Map.of(
          "chat-completion-stream.sse", "/v1/chat/completions",
          "chat-completion-stream-reasoning.sse", "/v1/chat/completions",
          "chat-completion-stream-tool-call.sse", "/v1/chat/completions",
          "chat-completion-stream-usage.sse", "/v1/chat/completions",
          "completion-stream.sse", "/v1/completions",
          "responses-api-stream.sse", "/v1/responses",
          "anthropic-messages-stream.sse", "/v1/messages",
          "api-v1-chat-stream.sse", "/api/v1/chat");

  static Route route(String path) {
    return ((RouteTable.Found) RouteTable.lmStudio().match("POST", path)).route();
  }

  static StreamGuard guard(String path, StreamInspector inspector, FilterSettings.Action action) {
    return new StreamGuard(
        StreamAdapter.forRoute(route(path)),
        List.of(
            new StreamPlan.Inspector(
                "test",
                new FilterSettings(
                    action, java.time.Duration.ofSeconds(1), FilterSettings.OnError.FAIL_CLOSED),
                inspector)),
        1 << 20);
  }

  /** Feeds bytes to the guard in pieces, as the proxy does; returns what the client receives. */
  static String run(StreamGuard g, byte[] bytes, int piece) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < bytes.length; i += piece) {
      StreamGuard.Step s =
          g.onBytes(java.util.Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + piece)));
      out.writeBytes(s.release());
      if (s.blocked()) {
        return out.toString(StandardCharsets.UTF_8);
      }
    }
    out.writeBytes(g.onEnd().release());
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void everyFixtureStreamIsReleasedByteForByteWhenNothingMatches() {
    for (var e : FIXTURE_ROUTE.entrySet()) {
      byte[] bytes = SharedFixtures.bytes(e.getKey());
      for (int piece : new int[] {1, 7, 64, bytes.length}) {
        String out =
            run(
                guard(
                    e.getValue(),
                    new Literal("\u0000never", false, 32),
                    FilterSettings.Action.BLOCK),
                bytes,
                piece);
        assertThat(out).as(e.getKey()).isEqualTo(new String(bytes, StandardCharsets.UTF_8));
      }
    }
  }

  @ParameterizedTest
  @CsvSource({
    "chat-completion-stream.sse, /v1/chat/completions, proxy forwards",
    "chat-completion-stream-reasoning.sse, /v1/chat/completions, The user",
    "chat-completion-stream-tool-call.sse, /v1/chat/completions, 'location\":\"San'",
    "completion-stream.sse, /v1/completions, request that",
    "responses-api-stream.sse, /v1/responses, ! How",
    "anthropic-messages-stream.sse, /v1/messages, Hello from",
    "api-v1-chat-stream.sse, /api/v1/chat, listens on",
  })
  void aMatchSplitAcrossEventsNeverReachesTheClientAndTheStreamEndsWellFormed(
      String fixture, String path, String needle) {
    byte[] bytes = SharedFixtures.bytes(fixture);
    assertThat(piecesOf(path, new String(bytes, StandardCharsets.UTF_8)))
        .as("the match only exists assembled")
        .noneMatch(piece -> piece.contains(needle));
    assertThat(assembled(path, new String(bytes, StandardCharsets.UTF_8))).contains(needle);
    String out =
        run(guard(path, new Literal(needle, false, 32), FilterSettings.Action.BLOCK), bytes, 5);
    String released = assembled(path, out);
    assertThat(out)
        .as("no event, delta or snapshot, carries the match")
        .doesNotContain(needle.replace("\"", "\\\""));
    assertThat(released).doesNotContain(needle);
    for (int k = 1; k <= needle.length(); k++) {
      assertThat(released)
          .as("no prefix of the match is released")
          .doesNotEndWith(needle.substring(0, k));
    }
    assertWellFormedEnding(path, out);
  }

  @Test
  void aBlockingMatchSplitAcrossTwoEventsIsCaughtWhereverTheBytesAreCut() {
    String head =
        "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
            + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"";
    String tail = "\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n";
    byte[] bytes =
        (head + "the code is LAUNCH-" + tail + head + "4242 now" + tail + "data: [DONE]\n\n")
            .getBytes(StandardCharsets.UTF_8);
    for (int cut = 1; cut < bytes.length; cut++) {
      StreamGuard g =
          guard(
              "/v1/chat/completions",
              new Literal("LAUNCH-4242", false, 16),
              FilterSettings.Action.BLOCK);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      StreamGuard.Step first = g.onBytes(java.util.Arrays.copyOfRange(bytes, 0, cut));
      out.writeBytes(first.release());
      boolean blocked = first.blocked();
      if (!blocked) {
        StreamGuard.Step second = g.onBytes(java.util.Arrays.copyOfRange(bytes, cut, bytes.length));
        out.writeBytes(second.release());
        blocked = second.blocked();
        if (!blocked) {
          out.writeBytes(g.onEnd().release());
        }
      }
      String client = out.toString(StandardCharsets.UTF_8);
      String released = assembled("/v1/chat/completions", client);
      assertThat(blocked).as("cut at byte %d", cut).isTrue();
      assertThat(released)
          .as("cut at byte %d", cut)
          .doesNotContain("LAUNCH")
          .doesNotContain("4242");
      assertWellFormedEnding("/v1/chat/completions", client);
    }
  }

  @Test
  void redactionRewritesOnlyTheEventsThatCarryTheMatch() {
    byte[] bytes = SharedFixtures.bytes("chat-completion-stream.sse");
    String out =
        run(
            guard(
                "/v1/chat/completions",
                new Literal("proxy forwards", true, 32),
                FilterSettings.Action.REDACT),
            bytes,
            9);
    String text = assembled("/v1/chat/completions", out);
    assertThat(text).contains("[X]").doesNotContain("proxy forwards");
    assertThat(text.replace("[X]", "proxy forwards"))
        .isEqualTo(assembled("/v1/chat/completions", new String(bytes, StandardCharsets.UTF_8)));
    assertThat(out).endsWith("data: [DONE]\n\n");
  }

  @Test
  void heldEndingsWaitForTheEndAndDeliveredTextIsWhatWasReleased() {
    for (var e : FIXTURE_ROUTE.entrySet()) {
      byte[] bytes = SharedFixtures.bytes(e.getKey());
      StreamGuard g =
          guard(e.getValue(), new Literal("\u0000never", false, 32), FilterSettings.Action.BLOCK);
      g.holdEnding();
      ByteArrayOutputStream before = new ByteArrayOutputStream();
      for (int i = 0; i < bytes.length; i += 7) {
        before.writeBytes(
            g.onBytes(java.util.Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + 7)))
                .release());
      }
      String all = new String(bytes, StandardCharsets.UTF_8);
      String early = before.toString(StandardCharsets.UTF_8);
      assertThat(all).as(e.getKey()).startsWith(early);
      assertThat(early.length()).as(e.getKey()).isLessThan(all.length()); // the ending waits
      assertThat(early).as(e.getKey()).doesNotContain("[DONE]");
      String rest = new String(g.onEnd().release(), StandardCharsets.UTF_8);
      assertThat(early + rest).as(e.getKey()).isEqualTo(all);
      String delivered =
          g.delivered().stream()
              .filter(o -> o.channel() == dev.lmgate.spi.OutputChannel.CONTENT)
              .map(dev.lmgate.spi.OutputText::text)
              .collect(java.util.stream.Collectors.joining());
      assertThat(delivered).as(e.getKey()).isEqualTo(contentOf(e.getValue(), all));
    }
  }

  /** The assistant content a client assembles from a stream. */
  static String contentOf(String path, String sse) {
    StreamAdapter a = StreamAdapter.forRoute(route(path));
    StringBuilder sb = new StringBuilder();
    byte[] b = sse.getBytes(StandardCharsets.UTF_8);
    for (SseEvent e : new SseParser(1 << 20).feed(b, 0, b.length)) {
      JsonNode data =
          e.data().isEmpty() || e.isDone()
              ? null
              : Json.parse(e.data().getBytes(StandardCharsets.UTF_8)).orElseThrow();
      a.pieces(e, data).stream()
          .filter(p -> p.channel() == dev.lmgate.spi.OutputChannel.CONTENT)
          .forEach(p -> sb.append(p.text()));
    }
    return sb.toString();
  }

  @Test
  void anEventTooLargeToInspectEndsTheStreamWellFormed() {
    StreamGuard g =
        new StreamGuard(
            StreamAdapter.forRoute(route("/v1/chat/completions")),
            List.of(
                new StreamPlan.Inspector(
                    "test",
                    FilterSettings.defaults(FilterSettings.Action.BLOCK),
                    new Literal("\u0000never", false, 8))),
            256);
    String big =
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\""
            + "x".repeat(400)
            + "\"}}]}\n\n";
    String out = run(g, big.getBytes(StandardCharsets.UTF_8), 64);
    assertThat(out).doesNotContain("xxxx");
    assertWellFormedEnding("/v1/chat/completions", out);
  }

  @Test
  void alertModeRecordsButReleasesEverything() {
    byte[] bytes = SharedFixtures.bytes("chat-completion-stream.sse");
    StreamGuard g =
        guard(
            "/v1/chat/completions",
            new Literal("proxy forwards", false, 32),
            FilterSettings.Action.ALERT);
    assertThat(run(g, bytes, 11)).isEqualTo(new String(bytes, StandardCharsets.UTF_8));
    assertThat(g.outcomes()).singleElement().extracting(o -> o.verdict().name()).isEqualTo("ALERT");
  }

  /**
   * Says exactly what could still match: "§§" is a match (blocked); a trailing "§" could still
   * become one, so it is held from there.
   */
  record Pair() implements StreamInspector {
    @Override
    public int holdBack() {
      return 64;
    }

    @Override
    public StreamDecision inspect(
        String key, OutputChannel channel, String text, int scanFrom, boolean complete) {
      if (text.indexOf("§§", scanFrom) >= 0) {
        return StreamDecision.block("pair");
      }
      int undecided = !complete && text.endsWith("§") ? text.length() - 1 : text.length();
      return StreamDecision.pass().undecidedFrom(undecided);
    }
  }

  static byte[] chunk(String content) {
    return ("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\""
            + content
            + "\"},\"finish_reason\":null}]}\n\n")
        .getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void onlyWhatCouldStillBecomeAMatchIsHeldAndOnlyUntilItIsDecided() {
    StreamGuard g = guard("/v1/chat/completions", new Pair(), FilterSettings.Action.BLOCK);
    assertThat(g.onBytes(chunk("an ordinary ")))
        .satisfies(s -> assertThat(s.release()).isEqualTo(chunk("an ordinary ")));
    assertThat(g.onBytes(chunk("answer §")).release())
        .as("ends in what could begin a match")
        .isEmpty();
    byte[] both = g.onBytes(chunk("and more")).release();
    assertThat(new String(both, StandardCharsets.UTF_8))
        .isEqualTo(
            new String(chunk("answer §"), StandardCharsets.UTF_8)
                + new String(chunk("and more"), StandardCharsets.UTF_8));
    assertThat(g.onBytes(chunk(" then §")).release()).isEmpty();
    StreamGuard.Step blocked = g.onBytes(chunk("§ leaked"));
    assertThat(blocked.blocked()).isTrue();
    assertThat(new String(blocked.release(), StandardCharsets.UTF_8)).doesNotContain("§");
    assertThat(g.delivered())
        .singleElement()
        .extracting(o -> o.text())
        .isEqualTo("an ordinary answer §and more");
  }

  @Test
  void anInspectorInShadowModeNeverHoldsButStillRecordsWhatItSaw() {
    StreamInspector holdsEverything =
        new StreamInspector() {
          @Override
          public int holdBack() {
            return 1 << 16;
          }

          @Override
          public StreamDecision inspect(
              String key, OutputChannel channel, String text, int scanFrom, boolean complete) {
            return (text.contains("forbidden")
                    ? StreamDecision.block("seen")
                    : StreamDecision.pass())
                .undecidedFrom(0);
          }
        };
    StreamGuard shadow =
        guard("/v1/chat/completions", holdsEverything, FilterSettings.Action.ALERT);
    assertThat(shadow.onBytes(chunk("first ")).release()).isEqualTo(chunk("first "));
    assertThat(shadow.onBytes(chunk("forbidden")).release()).isEqualTo(chunk("forbidden"));
    assertThat(shadow.outcomes())
        .singleElement()
        .extracting(o -> o.verdict().name())
        .isEqualTo("ALERT");
    StreamGuard enforcing =
        guard("/v1/chat/completions", holdsEverything, FilterSettings.Action.BLOCK);
    assertThat(enforcing.onBytes(chunk("first ")).release())
        .as("it could still match from 0")
        .isEmpty();
  }

  @Test
  void anInspectorThatDoesNotSayIsHeldItsWholeHoldBackAndNoMore() {
    StreamGuard g =
        guard(
            "/v1/chat/completions",
            new Literal("\u0000never", false, 8),
            FilterSettings.Action.BLOCK);
    assertThat(g.onBytes(chunk("1234567")).release()).isEmpty();
    assertThat(g.onBytes(chunk("89")).release()).isEmpty(); // "1234567" ends 2 before the end
    assertThat(g.onBytes(chunk("abcdefgh")).release())
        .isEqualTo(concat(chunk("1234567"), chunk("89")));
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void aFailingInspectorFailsClosed() {
    assertFailsClosed(() -> new IllegalStateException("boom"));
  }

  @Test
  void anInspectorThrowingAnErrorFailsClosedToo() {
    assertFailsClosed(StackOverflowError::new); // a pattern's recursion, say: still well-formed
  }

  private static void assertFailsClosed(java.util.function.Supplier<? extends Throwable> failure) {
    StreamInspector broken =
        new StreamInspector() {
          @Override
          public int holdBack() {
            return 8;
          }

          @Override
          public StreamDecision inspect(
              String key, OutputChannel channel, String text, int scanFrom, boolean complete) {
            Throwable t = failure.get();
            if (t instanceof Error e) {
              throw e;
            }
            throw (RuntimeException) t;
          }
        };
    String out =
        run(
            guard("/v1/chat/completions", broken, FilterSettings.Action.BLOCK),
            SharedFixtures.bytes("chat-completion-stream.sse"),
            50);
    assertWellFormedEnding("/v1/chat/completions", out);
  }

  /** The text a client would assemble from the released events' deltas. */
  static String assembled(String path, String sse) {
    return String.join("", piecesOf(path, sse));
  }

  static List<String> piecesOf(String path, String sse) {
    StreamAdapter a = StreamAdapter.forRoute(route(path));
    List<String> l = new ArrayList<>();
    byte[] b = sse.getBytes(StandardCharsets.UTF_8);
    for (SseEvent e : new SseParser(1 << 20).feed(b, 0, b.length)) {
      JsonNode data =
          e.data().isEmpty() || e.isDone()
              ? null
              : Json.parse(e.data().getBytes(StandardCharsets.UTF_8)).orElseThrow();
      a.pieces(e, data).forEach(p -> l.add(p.text()));
    }
    return l;
  }

  static void assertWellFormedEnding(String path, String out) {
    byte[] b = out.getBytes(StandardCharsets.UTF_8);
    List<SseEvent> events = new SseParser(1 << 20).feed(b, 0, b.length);
    assertThat(events).isNotEmpty();
    SseEvent last = events.get(events.size() - 1);
    switch (path) {
      case "/v1/chat/completions", "/v1/completions" -> {
        assertThat(last.isDone()).isTrue();
        assertThat(events.get(events.size() - 2).data())
            .contains("\"finish_reason\":\"content_filter\"");
      }
      case "/v1/responses" -> assertThat(last.event()).isEqualTo("response.incomplete");
      case "/v1/messages" -> {
        assertThat(last.event()).isEqualTo("message_stop");
        assertThat(events.get(events.size() - 2).data()).contains("\"stop_reason\":\"refusal\"");
      }
      default -> assertThat(last.event()).isEqualTo("chat.end");
    }
    for (SseEvent e : events) {
      if (!e.isDone()) {
        assertThat(Json.parse(e.data().getBytes(StandardCharsets.UTF_8)))
            .as("every event is JSON")
            .isPresent();
      }
    }
  }
}
