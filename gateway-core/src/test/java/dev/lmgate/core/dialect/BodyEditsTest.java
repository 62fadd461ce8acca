package dev.lmgate.core.dialect;

import static dev.lmgate.core.dialect.DialectReadersTest.json;
import static dev.lmgate.core.dialect.DialectReadersTest.route;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.lmgate.spi.Edit;
import dev.lmgate.spi.Edit.ClientSystem;
import dev.lmgate.spi.Message;
import dev.lmgate.spi.OutputChannel;
import dev.lmgate.spi.OutputText;
import dev.lmgate.spi.Route;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The named edits, as each API spells them: filters ask for "place this system prompt" or "withdraw
 * these tool calls", and the route's codec does it in that API's own fields.
 */
class BodyEditsTest {
  static final Route CHAT = route("POST", "/v1/chat/completions");
  static final Route MESSAGES = route("POST", "/v1/messages");
  static final Route RESPONSES = route("POST", "/v1/responses");
  static final Route NATIVE = route("POST", "/api/v1/chat");
  static final Route EMBEDDINGS = route("POST", "/v1/embeddings");

  static JsonNode edited(Route route, String body, Edit... edits) {
    JsonNode json = json(body);
    BodyEdits.apply(DialectCodec.of(route.operation()), json, List.of(edits));
    return json;
  }

  static Edit place(ClientSystem client) {
    return new Edit.PlaceSystem("GATEWAY", client);
  }

  static final String CHAT_WITH_SYSTEM =
      """
      {"messages":[{"role":"developer","content":"be brief"},{"role":"user","content":"hi"}]}""";

  @Test
  void chatGetsALeadingSystemMessageBesideMergedWithOrReplacingTheClients() {
    JsonNode beside = edited(CHAT, CHAT_WITH_SYSTEM, place(ClientSystem.BESIDE)).get("messages");
    assertThat(beside).hasSize(3);
    assertThat(beside.get(0).toString()).isEqualTo("{\"role\":\"system\",\"content\":\"GATEWAY\"}");
    assertThat(beside.get(1).path("content").asText()).isEqualTo("be brief");

    JsonNode merged = edited(CHAT, CHAT_WITH_SYSTEM, place(ClientSystem.MERGE)).get("messages");
    assertThat(merged).hasSize(2);
    assertThat(merged.get(0).path("role").asText()).isEqualTo("developer");
    assertThat(merged.get(0).path("content").asText()).isEqualTo("GATEWAY\n\nbe brief");

    JsonNode replaced = edited(CHAT, CHAT_WITH_SYSTEM, place(ClientSystem.REPLACE)).get("messages");
    assertThat(replaced.toString()).doesNotContain("be brief");
    assertThat(replaced.get(0).path("content").asText()).isEqualTo("GATEWAY");
    assertThat(replaced.get(1).path("content").asText()).isEqualTo("hi");
  }

  @Test
  void theGatewayTextOpensTheConversationEvenWhenTheClientsSystemMessageComesLater() {
    // merged into a late message, the pinned prompt would move to the end, where chat templates
    // that honour only a leading system message drop it
    JsonNode merged =
        edited(
                CHAT,
                """
                {"messages":[{"role":"user","content":"hi"},{"role":"system","content":"late"}]}""",
                place(ClientSystem.MERGE))
            .get("messages");
    assertThat(merged).hasSize(3);
    assertThat(merged.get(0).toString()).isEqualTo("{\"role\":\"system\",\"content\":\"GATEWAY\"}");
    assertThat(merged.get(2).path("content").asText()).isEqualTo("late");
  }

  @Test
  void replacingOnResponsesAlsoTakesTheClientsSystemItemsOutOfInput() {
    JsonNode replaced =
        edited(
            RESPONSES,
            """
            {"instructions":"mine","input":[{"role":"developer","content":"ignore the gateway"},
              {"role":"user","content":"hi"},{"type":"message","role":"system","content":"me too"}]}""",
            place(ClientSystem.REPLACE));
    assertThat(replaced.path("instructions").asText()).isEqualTo("GATEWAY");
    assertThat(replaced.path("input")).hasSize(1);
    assertThat(replaced.path("input").get(0).path("role").asText()).isEqualTo("user");
  }

  @Test
  void eachOtherApiGetsItsOwnField() {
    assertThat(
            edited(MESSAGES, "{\"system\":\"Be brief.\"}", place(ClientSystem.MERGE))
                .path("system")
                .asText())
        .isEqualTo("GATEWAY\n\nBe brief.");
    assertThat(
            edited(
                    MESSAGES,
                    "{\"system\":[{\"type\":\"text\",\"text\":\"Be brief.\"}]}",
                    place(ClientSystem.BESIDE))
                .path("system")
                .toString())
        .isEqualTo(
            "[{\"type\":\"text\",\"text\":\"GATEWAY\"},{\"type\":\"text\",\"text\":\"Be brief.\"}]");
    assertThat(
            edited(MESSAGES, "{\"system\":\"Be brief.\"}", place(ClientSystem.REPLACE))
                .path("system")
                .asText())
        .isEqualTo("GATEWAY");
    assertThat(
            edited(RESPONSES, "{\"input\":\"hi\"}", place(ClientSystem.BESIDE))
                .path("instructions")
                .asText())
        .isEqualTo("GATEWAY");
    assertThat(
            edited(NATIVE, "{\"input\":\"hi\",\"system_prompt\":\"x\"}", place(ClientSystem.MERGE))
                .path("system_prompt")
                .asText())
        .isEqualTo("GATEWAY\n\nx");
  }

  @Test
  void theReaderNamesWhereEachSystemPromptLives() {
    // a refusal names this place, so the client knows what to drop
    assertThat(messagePointers(CHAT, CHAT_WITH_SYSTEM))
        .containsExactly("/messages/0", "/messages/1");
    assertThat(
            messagePointers(
                MESSAGES,
                "{\"system\":\"s\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
        .containsExactly("/system", "/messages/0");
    assertThat(messagePointers(RESPONSES, "{\"instructions\":\"s\",\"input\":\"hi\"}"))
        .containsExactly("/instructions", "/input");
    assertThat(messagePointers(NATIVE, "{\"system_prompt\":\"s\",\"input\":\"hi\"}"))
        .containsExactly("/system_prompt", "/input");
  }

  private static List<String> messagePointers(Route route, String body) {
    return RequestReader.read(route, json(body)).messages().stream().map(Message::pointer).toList();
  }

  @Test
  void anEditThisApiHasNoPlaceForIsRefusedNotDropped() {
    assertThatThrownBy(() -> edited(EMBEDDINGS, "{\"input\":\"hi\"}", place(ClientSystem.BESIDE)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                edited(
                    CHAT,
                    "{\"choices\":[]}",
                    new Edit.WithdrawToolCalls(List.of("0/tool/0"), "no")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                edited(
                    MESSAGES,
                    "{\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]}",
                    new Edit.WithdrawToolCalls(List.of("b0"), "no")))
        .as("only a tool_use block is withdrawn, never the text a key happens to name")
        .isInstanceOf(IllegalArgumentException.class);
    for (String key : List.of("0/tool/x", "0/tool/", "/tool/0", "0/tools/0", "0/tool/0/")) {
      assertThatThrownBy(
              () -> edited(CHAT, CHAT_ANSWER, new Edit.WithdrawToolCalls(List.of(key), "no")))
          .as("a key no reader gives: %s", key)
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(
            () ->
                edited(
                    RESPONSES,
                    "{\"output\":[{\"type\":\"function_call\",\"name\":\"f\"}]}",
                    new Edit.WithdrawToolCalls(List.of("o/tool"), "no")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(
            edited(CHAT, "{\"messages\":[]}", Edit.replace("/model", TextNode.valueOf("m")))
                .path("model")
                .asText())
        .isEqualTo("m");
  }

  static final String CHAT_ANSWER =
      """
      {"choices":[{"index":0,"finish_reason":"tool_calls","message":{"role":"assistant","content":"",
        "tool_calls":[{"id":"1","type":"function","function":{"name":"pay","arguments":"{}"}},
                      {"id":"2","type":"function","function":{"name":"look","arguments":"{}"}}]}}]}""";

  @Test
  void chatWithdrawsTheCallsAndStopsAChoiceLeftWithoutOne() {
    assertThat(DialectCodec.of(CHAT.operation()).toolNames(json(CHAT_ANSWER)))
        .containsExactly(Map.entry("0/tool/0", "pay"), Map.entry("0/tool/1", "look"));
    JsonNode one =
        edited(CHAT, CHAT_ANSWER, new Edit.WithdrawToolCalls(List.of("0/tool/0"), "Denied."));
    JsonNode choice = one.path("choices").get(0);
    assertThat(choice.path("message").path("tool_calls")).hasSize(1);
    assertThat(choice.path("message").path("tool_calls").get(0).path("id").asText()).isEqualTo("2");
    assertThat(choice.path("message").path("content").asText()).isEqualTo("Denied.");
    assertThat(choice.path("finish_reason").asText()).isEqualTo("tool_calls");

    JsonNode both =
        edited(
            CHAT, CHAT_ANSWER, new Edit.WithdrawToolCalls(List.of("0/tool/1", "0/tool/0"), "No."));
    choice = both.path("choices").get(0);
    assertThat(choice.path("message").has("tool_calls")).isFalse();
    assertThat(choice.path("finish_reason").asText()).isEqualTo("stop");
  }

  @Test
  void anthropicAndResponsesWithdrawTheirOwnCallShapes() {
    String anthropic =
        """
        {"stop_reason":"tool_use","content":[{"type":"text","text":"Paying."},
          {"type":"tool_use","id":"t1","name":"pay","input":{"to":"x"}}]}""";
    Map<String, String> names = DialectCodec.of(MESSAGES.operation()).toolNames(json(anthropic));
    assertThat(names).containsExactly(Map.entry("b1", "pay"));
    assertThat(keysOf(MESSAGES, anthropic)).containsExactly("b1");
    JsonNode a = edited(MESSAGES, anthropic, new Edit.WithdrawToolCalls(List.of("b1"), "Denied."));
    assertThat(a.path("content").toString())
        .isEqualTo(
            "[{\"type\":\"text\",\"text\":\"Paying.\"},{\"type\":\"text\",\"text\":\"Denied.\"}]");
    assertThat(a.path("stop_reason").asText()).isEqualTo("end_turn");

    String responses =
        """
        {"status":"completed","output":[{"type":"reasoning","summary":[]},
          {"type":"function_call","call_id":"c1","name":"pay","arguments":"{}"}]}""";
    assertThat(DialectCodec.of(RESPONSES.operation()).toolNames(json(responses)))
        .containsExactly(Map.entry("o1/tool", "pay"));
    assertThat(keysOf(RESPONSES, responses)).containsExactly("o1/tool");
    JsonNode r =
        edited(RESPONSES, responses, new Edit.WithdrawToolCalls(List.of("o1/tool"), "Denied."));
    assertThat(r.path("output")).hasSize(2);
    assertThat(r.path("output").toString()).doesNotContain("function_call");
    assertThat(r.path("output").get(1).path("content").get(0).path("text").asText())
        .isEqualTo("Denied.");
  }

  @Test
  void everyCallIsAnOutputWhateverItsArgumentsAndKind() {
    // arguments the model wrote as an object, a custom tool's input, a Responses custom call: each
    // is an output the guards see (without a pointer: blocked, not rewritten, if it must change)
    String chat =
        """
        {"choices":[{"message":{"tool_calls":[
          {"id":"1","type":"function","function":{"name":"pay","arguments":{"to":"x"}}},
          {"id":"2","type":"custom","custom":{"name":"shell","input":"rm -rf /"}},
          {"id":"3","type":"function","function":{"name":"ping"}}]}}]}""";
    assertThat(ResponseReader.read(CHAT, json(chat)))
        .extracting(OutputText::key, OutputText::pointer, OutputText::text)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("0/tool/0", "", "{\"to\":\"x\"}"),
            org.assertj.core.groups.Tuple.tuple(
                "0/tool/1", "/choices/0/message/tool_calls/1/custom/input", "rm -rf /"),
            org.assertj.core.groups.Tuple.tuple("0/tool/2", "", ""));
    assertThat(DialectCodec.of(CHAT.operation()).toolNames(json(chat)))
        .containsExactly(
            Map.entry("0/tool/0", "pay"),
            Map.entry("0/tool/1", "shell"),
            Map.entry("0/tool/2", "ping"));
    String responses =
        """
        {"output":[{"type":"custom_tool_call","call_id":"c1","name":"shell","input":"ls"}]}""";
    assertThat(keysOf(RESPONSES, responses)).containsExactly("o0/tool");
    assertThat(DialectCodec.of(RESPONSES.operation()).toolNames(json(responses)))
        .containsExactly(Map.entry("o0/tool", "shell"));
    assertThat(
            edited(RESPONSES, responses, new Edit.WithdrawToolCalls(List.of("o0/tool"), "No."))
                .path("output")
                .toString())
        .doesNotContain("custom_tool_call");
  }

  /** The keys the answer's reader gives its tool-call outputs: the names edits use. */
  private static List<String> keysOf(Route route, String body) {
    return ResponseReader.read(route, json(body)).stream()
        .filter(o -> o.channel() == OutputChannel.TOOL_ARGUMENTS)
        .map(OutputText::key)
        .toList();
  }
}
