package dev.lmgate.spi;

/** Which kind of model output a text belongs to; output rules choose the channels they watch. */
public enum OutputChannel {
  /** What the assistant says. */
  CONTENT,
  /** Reasoning ("thinking") text, when the API returns it separately. */
  REASONING,
  /** The arguments of a tool call, as JSON text. */
  TOOL_ARGUMENTS
}
