package dev.lmgate.core.dialect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lmgate.spi.Edit;
import dev.lmgate.spi.Message;
import dev.lmgate.spi.OutputText;
import dev.lmgate.spi.TextPart;
import java.util.List;
import java.util.Map;

/**
 * OpenAI's original shapes: chat completions ({@code messages}, {@code choices[].message}, {@code
 * data:} chunks ending in {@code [DONE]}), legacy completions ({@code prompt}, {@code
 * choices[].text}) and embeddings ({@code input}; no model text back).
 */
enum ChatCodec implements DialectCodec {
  CHAT {
    @Override
    public String readRequest(
        JsonNode body, List<Message> messages, List<TextPart> prompts, List<TextPart> inputs) {
      RequestReader.openAiMessages(body.path("messages"), messages);
      return body.has("max_completion_tokens") ? "/max_completion_tokens" : "/max_tokens";
    }

    @Override
    public void readResponse(JsonNode body, List<OutputText> out) {
      ResponseReader.chat(body, "", out);
    }

    @Override
    public StreamAdapter newStream() {
      return new OpenAiChunks(false);
    }

    @Override
    public boolean placeSystem(ObjectNode body, Edit.PlaceSystem edit) {
      return BodyEdits.placeInMessages(body, edit);
    }

    @Override
    public boolean withdrawToolCalls(ObjectNode body, Edit.WithdrawToolCalls edit) {
      return BodyEdits.withdrawFromChoices(body, edit);
    }

    @Override
    public Map<String, String> toolNames(JsonNode body) {
      return BodyEdits.toolNamesOfChoices(body);
    }
  },
  COMPLETION {
    @Override
    public String readRequest(
        JsonNode body, List<Message> messages, List<TextPart> prompts, List<TextPart> inputs) {
      RequestReader.strings(body.path("prompt"), "/prompt", prompts);
      RequestReader.strings(body.path("suffix"), "/suffix", prompts); // read after the prompt
      return "/max_tokens";
    }

    @Override
    public void readResponse(JsonNode body, List<OutputText> out) {
      ResponseReader.completion(body, out);
    }

    @Override
    public StreamAdapter newStream() {
      return new OpenAiChunks(true);
    }
  },
  EMBEDDINGS {
    @Override
    public String readRequest(
        JsonNode body, List<Message> messages, List<TextPart> prompts, List<TextPart> inputs) {
      RequestReader.strings(body.path("input"), "/input", inputs);
      return "";
    }

    @Override
    public void readResponse(JsonNode body, List<OutputText> out) {} // vectors, no text

    @Override
    public StreamAdapter newStream() {
      return new OpaqueEvents();
    }
  }
}
