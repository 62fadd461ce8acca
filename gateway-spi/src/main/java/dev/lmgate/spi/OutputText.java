package dev.lmgate.spi;

/**
 * One text of a model's answer.
 *
 * @param key identifies the text within the answer, e.g. {@code 0/content} or {@code 0/tool/1};
 *     stream pieces with the same key are concatenated
 * @param channel content, reasoning or tool-call arguments
 * @param pointer JSON pointer to the string in the body; empty when the text is not a string in the
 *     body (Anthropic tool input objects), so it can be blocked but not rewritten
 * @param text the text
 */
public record OutputText(String key, OutputChannel channel, String pointer, String text) {}
