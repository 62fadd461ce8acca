package dev.lmgate.core.dialect;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lmgate.core.SharedFixtures;
import dev.lmgate.core.json.Json;
import dev.lmgate.core.route.RouteTable;
import dev.lmgate.spi.Conversation;
import dev.lmgate.spi.OutputChannel;
import dev.lmgate.spi.OutputText;
import dev.lmgate.spi.Route;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class DialectReadersTest {

  static Route route(String method, String path) {
    return ((RouteTable.Found) RouteTable.lmStudio().match(method, path)).route();
  }

  static JsonNode json(String s) {
    return Json.parse(s.getBytes(StandardCharsets.UTF_8)).orElseThrow();
  }

  static JsonNode fixture(String name) {
    return Json.parse(SharedFixtures.bytes(name)).orElseThrow();
  }

  @Test
  void readsOpenAiChatMessagesToolCallsAndTokenLimit() {
    Conversation c =
        RequestReader.read(
            route("POST", "/v1/chat/completions"),
            json(
                """
        {"model":"m","stream":true,"max_tokens":64,"messages":[
          {"role":"system","content":"be brief"},
          {"role":"user","content":[{"type":"text","text":"hi"},{"type":"image_url","image_url":{"url":"data:x"}}]},
          {"role":"assistant","content":"","tool_calls":[{"id":"1","type":"function","function":{"name":"f","arguments":"{\\"a\\":1}"}}]},
          {"role":"tool","tool_call_id":"1","content":"result"}]}"""));
    assertThat(c.stream()).isTrue();
    assertThat(c.maxOutputTokens()).hasValue(64);
    assertThat(c.maxOutputTokensPointer()).isEqualTo("/max_tokens");
    assertThat(c.messages())
        .extracting(m -> m.role())
        .containsExactly("system", "user", "assistant", "tool");
    assertThat(c.messages().get(1).parts())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.pointer()).isEqualTo("/messages/1/content/0/text");
              assertThat(p.text()).isEqualTo("hi");
            });
    assertThat(c.messages().get(2).toolCalls())
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.name()).isEqualTo("f");
              assertThat(t.arguments().pointer())
                  .isEqualTo("/messages/2/tool_calls/0/function/arguments");
            });
    assertThat(c.messages().get(3).toolCallId()).isEqualTo("1");
  }

  @Test
  void readsEveryOtherDialectsPrompt() {
    assertThat(
            RequestReader.read(route("POST", "/v1/completions"), json("{\"prompt\":[\"a\",\"b\"]}"))
                .prompts())
        .extracting(p -> p.pointer())
        .containsExactly("/prompt/0", "/prompt/1");
    assertThat(
            RequestReader.read(route("POST", "/v1/embeddings"), json("{\"input\":\"x\"}")).inputs())
        .singleElement()
        .extracting(p -> p.text())
        .isEqualTo("x");
    Conversation responses =
        RequestReader.read(
            route("POST", "/v1/responses"),
            json(
                """
        {"instructions":"sys","input":[{"role":"user","content":[{"type":"input_text","text":"q"}]},
         {"type":"function_call","call_id":"c","name":"f","arguments":"{}"},
         {"type":"function_call_output","call_id":"c","output":"out"}],"max_output_tokens":5}"""));
    assertThat(responses.messages())
        .extracting(m -> m.role())
        .containsExactly("system", "user", "assistant", "tool");
    assertThat(responses.maxOutputTokens()).hasValue(5);
    Conversation anthropic =
        RequestReader.read(
            route("POST", "/v1/messages"),
            json(
                """
        {"system":[{"type":"text","text":"sys"}],"max_tokens":9,"messages":[{"role":"user","content":"hi"},
         {"role":"assistant","content":[{"type":"tool_use","id":"t","name":"f","input":{"a":1}}]},
         {"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":"res"}]}]}"""));
    assertThat(anthropic.messages())
        .extracting(m -> m.role())
        .containsExactly("system", "user", "assistant", "tool");
    assertThat(anthropic.messages().get(3).text()).isEqualTo("res");
    Conversation nativeChat =
        RequestReader.read(
            route("POST", "/api/v1/chat"),
            json("{\"system_prompt\":\"s\",\"input\":\"hello\",\"max_output_tokens\":3}"));
    assertThat(nativeChat.messages()).extracting(m -> m.text()).containsExactly("s", "hello");
  }

  @Test
  void readsTheOutputOfEveryNonStreamedFixture() {
    assertOutputs("POST", "/v1/chat/completions", "chat-completion.json", OutputChannel.CONTENT);
    assertOutputs(
        "POST",
        "/v1/chat/completions",
        "chat-completion-reasoning.json",
        OutputChannel.REASONING,
        OutputChannel.CONTENT);
    assertOutputs("POST", "/v1/chat/completions", "tool-call.json", OutputChannel.TOOL_ARGUMENTS);
    assertOutputs("POST", "/v1/completions", "completion.json", OutputChannel.CONTENT);
    assertOutputs("POST", "/v1/responses", "responses-api.json", OutputChannel.CONTENT);
    assertOutputs("POST", "/v1/messages", "anthropic-messages.json", OutputChannel.CONTENT);
    assertOutputs("POST", "/api/v1/chat", "api-v1-chat.json", OutputChannel.CONTENT);
    assertOutputs(
        "POST", "/api/v0/chat/completions", "api-v0-chat-completion.json", OutputChannel.CONTENT);
  }

  private void assertOutputs(
      String method, String path, String fixture, OutputChannel... expected) {
    JsonNode body = fixture(fixture);
    List<OutputText> outs = ResponseReader.read(route(method, path), body);
    assertThat(outs).as(fixture).extracting(OutputText::channel).contains(expected);
    for (OutputText o : outs) {
      if (!o.pointer().isEmpty()) {
        assertThat(body.at(o.pointer()).asText())
            .as(fixture + " " + o.pointer())
            .isEqualTo(o.text());
      }
    }
  }
}
