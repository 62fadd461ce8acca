package dev.lmgate.spi;

/**
 * A tool call in a request's history or a response.
 *
 * @param id the call id the API gives, or empty
 * @param name the tool (function) name
 * @param arguments the arguments as JSON text; {@code pointer} is empty when the API carries them
 *     as a JSON object rather than a string (Anthropic, LM Studio native)
 */
public record ToolCall(String id, String name, TextPart arguments) {}
