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
 * OpenAI's Responses API: {@code instructions} and {@code input} items in, {@code output} items
 * back, typed {@code response.*} events when streamed.
 */
enum ResponsesCodec implements DialectCodec {
  INSTANCE;

  @Override
  public String readRequest(
      JsonNode body, List<Message> messages, List<TextPart> prompts, List<TextPart> inputs) {
    RequestReader.responsesInput(body, messages);
    return "/max_output_tokens";
  }

  @Override
  public void readResponse(JsonNode body, List<OutputText> out) {
    ResponseReader.responses(body, "", out);
  }

  @Override
  public StreamAdapter newStream() {
    return new ResponsesEvents();
  }

  @Override
  public boolean placeSystem(ObjectNode body, Edit.PlaceSystem edit) {
    return BodyEdits.placeInInstructions(body, edit);
  }

  @Override
  public boolean withdrawToolCalls(ObjectNode body, Edit.WithdrawToolCalls edit) {
    return BodyEdits.withdrawFromOutputItems(body, edit);
  }

  @Override
  public Map<String, String> toolNames(JsonNode body) {
    return BodyEdits.toolNamesOfOutputItems(body);
  }
}
