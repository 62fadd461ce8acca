package dev.lmgate.spi;

/**
 * An API family LM Studio speaks. The dialect decides the shape of errors and the framing of
 * streams; the {@link Operation} decides how a body maps to the normalized conversation.
 */
public enum Dialect {
  /** OpenAI-compatible {@code /v1/*}: {@code {"error":{...}}}, {@code data:} SSE with [DONE]. */
  OPENAI,
  /** Anthropic-compatible {@code /v1/messages}: {@code {"type":"error","error":{...}}}. */
  ANTHROPIC,
  /** LM Studio native {@code /api/v1/*}: named SSE events ending in {@code chat.end}. */
  LMSTUDIO_V1,
  /** LM Studio native legacy {@code /api/v0/*}: OpenAI-shaped bodies with extras. */
  LMSTUDIO_V0,
  /** {@code /lmstudio-greeting}, probed by LM Studio's SDKs and CLI. */
  DISCOVERY
}
