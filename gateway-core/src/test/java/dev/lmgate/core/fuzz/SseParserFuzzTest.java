package dev.lmgate.core.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.lmgate.core.sse.SseEvent;
import dev.lmgate.core.sse.SseParser;
import java.util.ArrayList;
import java.util.List;

/**
 * The SSE parser on arbitrary bytes, split arbitrarily: it never throws anything but its own
 * too-large signal, and the events it finds do not depend on where the bytes were split.
 */
class SseParserFuzzTest {
  @FuzzTest(maxDuration = "10s")
  void eventsDoNotDependOnHowTheBytesAreSplit(FuzzedDataProvider data) {
    int cut = data.consumeInt(0, 4096);
    byte[] bytes = data.consumeRemainingAsBytes();
    List<String> whole = parse(bytes, bytes.length);
    List<String> split = parse(bytes, Math.max(1, Math.min(cut, bytes.length)));
    assertThat(split).isEqualTo(whole);
  }

  static List<String> parse(byte[] bytes, int piece) {
    SseParser p = new SseParser(1 << 16);
    List<String> out = new ArrayList<>();
    try {
      for (int i = 0; i < bytes.length; i += piece) {
        for (SseEvent e : p.feed(bytes, i, Math.min(piece, bytes.length - i))) {
          out.add(e.event() + "\u0000" + e.data());
        }
      }
    } catch (SseParser.SseTooLargeException e) {
      out.add("too large");
    }
    return out;
  }
}
