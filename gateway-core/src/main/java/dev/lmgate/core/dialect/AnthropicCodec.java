package dev.lmgate.core.dialect;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lmgate.spi.Message;
import dev.lmgate.spi.OutputText;
import dev.lmgate.spi.TextPart;
import java.util.List;

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
}
