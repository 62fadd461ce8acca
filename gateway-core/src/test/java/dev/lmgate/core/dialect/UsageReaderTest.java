package dev.lmgate.core.dialect;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lmgate.core.SharedFixtures;
import dev.lmgate.core.json.Json;
import dev.lmgate.spi.Conversation;
import dev.lmgate.spi.Message;
import dev.lmgate.spi.TextPart;
import dev.lmgate.spi.TokenUsage;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class UsageReaderTest {
  static JsonNode fixture(String name) {
    return Json.parse(SharedFixtures.bytes(name)).orElseThrow();
  }

  static JsonNode json(String s) {
    return Json.parse(s.getBytes(StandardCharsets.UTF_8)).orElseThrow();
  }

  @Test
  void everyDialectsCountsAreFound() {
    assertThat(UsageReader.read(fixture("chat-completion.json")).any()).isTrue();
    assertThat(UsageReader.read(fixture("responses-api.json")).any()).isTrue();
    assertThat(UsageReader.read(fixture("anthropic-messages.json")).any()).isTrue();
    assertThat(UsageReader.read(fixture("api-v1-chat.json")).any()).isTrue();
    assertThat(UsageReader.read(json("{\"usage\":{\"prompt_tokens\":19,\"completion_tokens\":3}}")))
        .isEqualTo(new UsageReader.Counts(19, 3));
    assertThat(
            UsageReader.read(
                json(
                    "{\"type\":\"chat.end\",\"result\":{\"stats\":{\"input_tokens\":64,\"total_output_tokens\":19}}}")))
        .isEqualTo(new UsageReader.Counts(64, 19));
  }

  @Test
  void anthropicStreamsReportInputAndOutputApart_andTheCountsMerge() {
    UsageReader.Counts start =
        UsageReader.read(
            json(
                "{\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":14,\"output_tokens\":0}}}"));
    UsageReader.Counts delta =
        UsageReader.read(json("{\"type\":\"message_delta\",\"usage\":{\"output_tokens\":7}}"));
    assertThat(start.merge(delta)).isEqualTo(new UsageReader.Counts(14, 7));
    assertThat(UsageReader.read(json("{\"choices\":[]}")).any()).isFalse();
  }

  @Test
  void missingCountsAreEstimatedAtFourCharactersATokenAndMarkedSo() {
    Conversation c =
        new Conversation(
            "m",
            true,
            List.of(
                new Message("user", List.of(new TextPart("/p", "x".repeat(40))), List.of(), "")),
            List.of(),
            List.of(),
            OptionalLong.empty(),
            "");
    assertThat(UsageReader.complete(UsageReader.Counts.NONE, c, 9))
        .isEqualTo(new TokenUsage(10, 3, true));
    assertThat(UsageReader.complete(new UsageReader.Counts(5, 6), c, 9))
        .isEqualTo(new TokenUsage(5, 6, false));
  }
}
