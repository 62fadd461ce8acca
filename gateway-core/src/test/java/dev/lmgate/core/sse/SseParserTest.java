package dev.lmgate.core.sse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lmgate.core.SharedFixtures;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class SseParserTest {

  static List<String> sseFixtures() {
    return SharedFixtures.names(".sse");
  }

  private static List<SseEvent> parseInPieces(byte[] bytes, int piece) {
    SseParser p = new SseParser(1 << 20);
    List<SseEvent> out = new ArrayList<>();
    for (int i = 0; i < bytes.length; i += piece) {
      out.addAll(p.feed(bytes, i, Math.min(piece, bytes.length - i)));
    }
    return out;
  }

  @ParameterizedTest
  @MethodSource("sseFixtures")
  void eventsAreTheSameWhereverTheBytesAreSplit(String fixture) {
    byte[] bytes = SharedFixtures.bytes(fixture);
    List<SseEvent> whole = parseInPieces(bytes, bytes.length);
    assertThat(whole).isNotEmpty();
    for (int piece = 1; piece <= 64; piece++) {
      List<SseEvent> split = parseInPieces(bytes, piece);
      assertThat(split).hasSameSizeAs(whole);
      for (int i = 0; i < whole.size(); i++) {
        assertThat(split.get(i).data()).isEqualTo(whole.get(i).data());
        assertThat(split.get(i).event()).isEqualTo(whole.get(i).event());
      }
      ByteArrayOutputStream raw = new ByteArrayOutputStream();
      split.forEach(e -> raw.writeBytes(e.raw()));
      assertThat(raw.toByteArray())
          .as("raw bytes of %s in pieces of %d", fixture, piece)
          .isEqualTo(bytes);
    }
  }

  @Test
  void readsNamedEventsAndDoneMarker() {
    byte[] b =
        "event: chat.start\ndata: {\"a\":1}\n\ndata: [DONE]\n\n".getBytes(StandardCharsets.UTF_8);
    List<SseEvent> ev = parseInPieces(b, b.length);
    assertThat(ev).extracting(SseEvent::event).containsExactly("chat.start", "");
    assertThat(ev.get(1).isDone()).isTrue();
  }

  @Test
  void decodesMultibyteCharactersSplitAcrossChunks() {
    String text = "data: {\"content\":\"日本語 🙂 ok\"}\n\n";
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    for (int piece = 1; piece < 8; piece++) {
      assertThat(parseInPieces(b, piece))
          .singleElement()
          .extracting(SseEvent::data)
          .isEqualTo("{\"content\":\"日本語 🙂 ok\"}");
    }
  }

  @Test
  void acceptsCrLfAndCrLineEndings() {
    byte[] b = "data: a\r\n\r\ndata: b\r\rdata: c\n\n".getBytes(StandardCharsets.UTF_8);
    for (int piece = 1; piece <= b.length; piece++) {
      assertThat(parseInPieces(b, piece)).extracting(SseEvent::data).containsExactly("a", "b", "c");
    }
  }

  @Test
  void joinsMultipleDataLinesAndIgnoresComments() {
    byte[] b = ": keep-alive\ndata: one\ndata: two\nid: 7\n\n".getBytes(StandardCharsets.UTF_8);
    assertThat(parseInPieces(b, 3))
        .singleElement()
        .extracting(SseEvent::data)
        .isEqualTo("one\ntwo");
  }

  @Test
  void refusesAnEventLargerThanTheLimit() {
    SseParser p = new SseParser(16);
    byte[] b = "data: 0123456789012345678901234567890".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> p.feed(b, 0, b.length))
        .isInstanceOf(SseParser.SseTooLargeException.class);
  }

  @Test
  void keepsAnUnfinishedEventAsRemainder() {
    SseParser p = new SseParser(1024);
    byte[] b = "data: a\n\ndata: unfinished".getBytes(StandardCharsets.UTF_8);
    assertThat(p.feed(b, 0, b.length)).hasSize(1);
    assertThat(new String(p.remainder(), StandardCharsets.UTF_8)).isEqualTo("data: unfinished");
  }
}
