package dev.lmgate.spi;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * A change a filter asks for: replace the JSON value at {@code pointer} with {@code value}. The
 * core applies edits to the body's tree and re-serializes it only when there is at least one.
 *
 * @param pointer RFC 6901 JSON pointer; the parent must exist
 * @param value the new value
 */
public record Edit(String pointer, JsonNode value) {
  public Edit {
    Objects.requireNonNull(pointer, "pointer");
    Objects.requireNonNull(value, "value");
    if (!pointer.startsWith("/")) {
      throw new IllegalArgumentException("pointer: " + pointer + " (expected: starts with /)");
    }
  }
}
