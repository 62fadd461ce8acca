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
 * Anthropic's Messages API: {@code system} and {@code messages} of content blocks in, {@code
 * content} blocks back, {@code message_start} … {@code message_stop} events when streamed.
 */
enum AnthropicCodec implements DialectCodec {
  INSTANCE;

  @Override
  public String readRequest(
      JsonNode body, List<Message> messages, List<TextPart> prompts, List<TextPart> inputs) {
    RequestReader.anthropicMessages(body, messages);
    return "/max_tokens";
  }

  @Override
  public void readResponse(JsonNode body, List<OutputText> out) {
    ResponseReader.anthropic(body.path("content"), "/content", out);
  }

  @Override
  public StreamAdapter newStream() {
    return new AnthropicEvents();
  }

  @Override
  public boolean placeSystem(ObjectNode body, Edit.PlaceSystem edit) {
    return BodyEdits.placeInField(body, "system", edit, BodyEdits::textBlock);
  }

  @Override
  public boolean withdrawToolCalls(ObjectNode body, Edit.WithdrawToolCalls edit) {
    return BodyEdits.withdrawFromContentBlocks(body, edit);
  }

  @Override
  public Map<String, String> toolNames(JsonNode body) {
    return BodyEdits.toolNamesOfContentBlocks(body);
  }
}
