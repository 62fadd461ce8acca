package dev.lmgate.spi;

/** What a route does, independent of its dialect. */
public enum Operation {
  CHAT,
  COMPLETION,
  EMBEDDINGS,
  /** OpenAI Responses API. */
  RESPONSES,
  /** Anthropic Messages API. */
  MESSAGES,
  /** LM Studio native {@code /api/v1/chat}. */
  NATIVE_CHAT,
  MODELS,
  /** Loading, unloading and downloading models: admin-only by default. */
  MODEL_MANAGEMENT,
  GREETING,
  /** LM Studio's SDK WebSocket channel, tunnelled opaque when enabled. */
  SDK_CHANNEL;

  /** Whether requests of this operation carry a conversation or prompt that filters inspect. */
  public boolean carriesPrompt() {
    return switch (this) {
      case CHAT, COMPLETION, EMBEDDINGS, RESPONSES, MESSAGES, NATIVE_CHAT -> true;
      default -> false;
    };
  }
}
