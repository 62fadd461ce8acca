package dev.lmgate.spi;

import java.util.List;
import java.util.OptionalLong;

/**
 * A request body mapped to one shape for every dialect.
 *
 * @param model the requested model, or empty
 * @param stream whether the body asks for a streamed answer ({@code "stream": true})
 * @param messages the messages, system prompt first where the dialect carries it separately
 * @param prompts legacy completion prompts
 * @param inputs embedding inputs
 * @param maxOutputTokens the output token limit the request asks for, if any
 * @param maxOutputTokensPointer where that limit lives ({@code /max_tokens}, {@code
 *     /max_output_tokens}, ...), so that a filter can cap it; the dialect's field even when absent
 */
public record Conversation(
    String model,
    boolean stream,
    List<Message> messages,
    List<TextPart> prompts,
    List<TextPart> inputs,
    OptionalLong maxOutputTokens,
    String maxOutputTokensPointer) {

  public Conversation {
    messages = List.copyOf(messages);
    prompts = List.copyOf(prompts);
    inputs = List.copyOf(inputs);
  }

  /** A conversation for a body that carries none (model lists, greetings). */
  public static Conversation empty() {
    return new Conversation("", false, List.of(), List.of(), List.of(), OptionalLong.empty(), "");
  }
}
