package dev.lmgate.spi;

/**
 * Tokens an exchange consumed.
 *
 * @param input prompt tokens
 * @param output completion tokens (including reasoning)
 * @param estimated whether LM Studio reported no usage and the gateway estimated it from the text
 */
public record TokenUsage(long input, long output, boolean estimated) {
  public TokenUsage {
    if (input < 0 || output < 0) {
      throw new IllegalArgumentException("usage: " + input + "/" + output + " (expected: >= 0)");
    }
  }

  public long total() {
    return input + output;
  }
}
