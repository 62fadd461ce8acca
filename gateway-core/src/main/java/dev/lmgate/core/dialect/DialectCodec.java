package dev.lmgate.core.dialect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lmgate.spi.Edit;
import dev.lmgate.spi.Message;
import dev.lmgate.spi.Operation;
import dev.lmgate.spi.OutputText;
import dev.lmgate.spi.TextPart;
import java.util.List;
import java.util.Map;

/**
 * One API shape, whole: where a request keeps its texts and output limit, where an answer keeps its
 * texts, and how its streams are framed. The readers and the stream guard ask the route's codec;
 * nothing else in lmgate switches on the shape. Adding a dialect is one implementation and its line
 * in {@link #of}.
 */
public interface DialectCodec {

  /**
   * Adds a request body's texts (a JSON object) to the lists, each with its pointer, and returns
   * the pointer of the output-token limit (the dialect's field even when absent; empty: none).
   */
  String readRequest(
      JsonNode body, List<Message> messages, List<TextPart> prompts, List<TextPart> inputs);

  /** Adds a whole answer's texts (a JSON object). */
  void readResponse(JsonNode body, List<OutputText> out);

  /** An adapter for one new stream of this shape. */
  StreamAdapter newStream();

  /**
   * Puts the gateway's system text where this API keeps the system prompt ({@link
   * BodyEdits#placeInMessages}, {@link BodyEdits#placeInField}); false where it has none.
   */
  default boolean placeSystem(ObjectNode body, Edit.PlaceSystem edit) {
    return false;
  }

  /** Takes tool calls out of a whole answer; false where this API's answers carry none. */
  default boolean withdrawToolCalls(ObjectNode body, Edit.WithdrawToolCalls edit) {
    return false;
  }

  /** A whole answer's tool-call names, by the key of each call's arguments output. */
  default Map<String, String> toolNames(JsonNode body) {
    return Map.of();
  }

  /** The codec of routes without model text: model lists, greetings, model management. */
  DialectCodec NO_TEXT =
      new DialectCodec() {
        @Override
        public String readRequest(
            JsonNode body, List<Message> messages, List<TextPart> prompts, List<TextPart> inputs) {
          return "";
        }

        @Override
        public void readResponse(JsonNode body, List<OutputText> out) {}

        @Override
        public StreamAdapter newStream() {
          return new OpaqueEvents();
        }
      };

  /** The codec of an operation. */
  static DialectCodec of(Operation operation) {
    return switch (operation) {
      case CHAT -> ChatCodec.CHAT;
      case COMPLETION -> ChatCodec.COMPLETION;
      case EMBEDDINGS -> ChatCodec.EMBEDDINGS;
      case RESPONSES -> ResponsesCodec.INSTANCE;
      case MESSAGES -> AnthropicCodec.INSTANCE;
      case NATIVE_CHAT -> NativeChatCodec.INSTANCE;
      case MODELS, MODEL_MANAGEMENT, GREETING, SDK_CHANNEL -> NO_TEXT;
    };
  }
}
