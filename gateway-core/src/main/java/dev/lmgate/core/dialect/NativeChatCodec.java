package dev.lmgate.core.dialect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lmgate.spi.Edit;
import dev.lmgate.spi.Message;
import dev.lmgate.spi.OutputText;
import dev.lmgate.spi.TextPart;
import java.util.List;

/**
 * LM Studio's native {@code /api/v1/chat}: {@code system_prompt} and {@code input} in, {@code
 * output} items back, {@code chat.*} events when streamed.
 */
enum NativeChatCodec implements DialectCodec {
  INSTANCE;

  @Override
  public String readRequest(
      JsonNode body, List<Message> messages, List<TextPart> prompts, List<TextPart> inputs) {
    RequestReader.nativeChat(body, messages);
    return "/max_output_tokens";
  }

  @Override
  public void readResponse(JsonNode body, List<OutputText> out) {
    ResponseReader.nativeOutput(body.path("output"), "/output", out);
  }

  @Override
  public StreamAdapter newStream() {
    return new NativeEvents();
  }

  @Override
  public boolean placeSystem(ObjectNode body, Edit.PlaceSystem edit) {
    return BodyEdits.placeInField(body, "system_prompt", edit, BodyEdits::textBlock);
  }
}
