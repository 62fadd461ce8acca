package dev.lmgate.spi;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Objects;

/**
 * A change a filter asks for. Filters say what to change, never how a dialect spells it: a text is
 * replaced where the view's pointer says it lives ({@link Replace}); the system prompt and tool
 * calls, which each API keeps in its own place, are changed by name ({@link PlaceSystem}, {@link
 * WithdrawToolCalls}) and the route's dialect codec applies them. The core applies a verdict's
 * edits in order and re-serializes the body only when there is at least one; since placing a system
 * prompt may move the messages after it, a filter lists its {@link Replace} edits first.
 */
public sealed interface Edit {

  /** Replace the JSON value at {@code pointer} with {@code value}. */
  static Edit replace(String pointer, JsonNode value) {
    return new Replace(pointer, value);
  }

  /**
   * Replace the JSON value at a pointer a view gave ({@link TextPart#pointer()}, {@link
   * OutputText#pointer()}).
   *
   * @param pointer RFC 6901 JSON pointer; the parent must exist
   * @param value the new value
   */
  record Replace(String pointer, JsonNode value) implements Edit {
    public Replace {
      Objects.requireNonNull(pointer, "pointer");
      Objects.requireNonNull(value, "value");
      if (!pointer.startsWith("/")) {
        throw new IllegalArgumentException("pointer: " + pointer + " (expected: starts with /)");
      }
    }
  }

  /**
   * Put the gateway's system text where the request's API keeps the system prompt (a leading {@code
   * system} message, {@code system}, {@code instructions}, {@code system_prompt}).
   *
   * @param text the gateway's text
   * @param client what becomes of a system prompt the client sent
   */
  record PlaceSystem(String text, ClientSystem client) implements Edit {
    public PlaceSystem {
      Objects.requireNonNull(text, "text");
      Objects.requireNonNull(client, "client");
    }
  }

  /** What becomes of the client's own system prompt when the gateway places its text. */
  enum ClientSystem {
    /** Kept beside the gateway's (a message of its own where the API has messages). */
    BESIDE,
    /** Joined to the gateway's, which comes first. */
    MERGE,
    /** Dropped: only the gateway's text remains. */
    REPLACE
  }

  /**
   * Take tool calls out of a whole answer and say why in the answer's text. An answer left with no
   * call ends as a plain reply (OpenAI {@code finish_reason: "stop"}, Anthropic {@code stop_reason:
   * "end_turn"}), so that the client does not wait for a call it will not get.
   *
   * @param keys the calls, named by the {@link OutputText#key()} of their arguments
   * @param note the text the answer carries instead
   */
  record WithdrawToolCalls(List<String> keys, String note) implements Edit {
    public WithdrawToolCalls {
      keys = List.copyOf(keys);
      Objects.requireNonNull(note, "note");
      if (keys.isEmpty()) {
        throw new IllegalArgumentException("keys: empty (expected: at least one tool call)");
      }
    }
  }
}
