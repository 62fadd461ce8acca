package dev.lmgate.core.json;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;

/** The core's JSON mapper and pointer edits. */
public final class Json {

  /**
   * Parses untrusted bodies: duplicate keys are refused (two readers could otherwise see two
   * different values), nesting is bounded, big numbers stay exact.
   */
  public static final ObjectMapper MAPPER = createMapper();

  // A reader bound to JsonNode once: ObjectMapper.readTree resolves the type and looks up the
  // root deserializer on every call, a measurable share of parsing a small stream event.
  private static final ObjectReader TREE_READER = MAPPER.readerFor(JsonNode.class);

  private Json() {}

  private static ObjectMapper createMapper() {
    ObjectMapper m = new ObjectMapper();
    m.getFactory()
        .setStreamReadConstraints(
            StreamReadConstraints.builder().maxNestingDepth(128).maxStringLength(64 << 20).build());
    m.enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
    m.enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    return m;
  }

  /** Parses bytes, or empty when they are not one JSON value. */
  public static Optional<JsonNode> parse(byte[] bytes) {
    return bytes.length == 0 ? Optional.empty() : read(() -> TREE_READER.readTree(bytes));
  }

  /**
   * Parses text, or empty when it is not one JSON value. For text already decoded (an SSE event's
   * data): encoding it back to bytes first costs a third of parsing a small event.
   */
  public static Optional<JsonNode> parse(String text) {
    return text.isEmpty() ? Optional.empty() : read(() -> TREE_READER.readTree(text));
  }

  private interface TreeRead {
    JsonNode read() throws IOException;
  }

  private static Optional<JsonNode> read(TreeRead read) {
    try {
      return Optional.ofNullable(read.read());
    } catch (IOException | NumberFormatException e) {
      // a number Jackson refuses to hold (-6…6E666…: found by fuzzing) is not JSON we accept
      return Optional.empty();
    }
  }

  public static byte[] write(JsonNode node) {
    try {
      return MAPPER.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Sets the value at a pointer. */
  public static void set(JsonNode root, String pointer, JsonNode value) {
    JsonPointer p = JsonPointer.compile(pointer);
    JsonNode parent = root.at(p.head());
    String last = p.last().getMatchingProperty();
    if (parent instanceof ObjectNode o) {
      o.set(last, value);
    } else if (parent instanceof ArrayNode a) {
      int i = p.last().getMatchingIndex();
      if (i < 0 || i >= a.size()) {
        throw new IllegalArgumentException(
            "edit: " + pointer + " (expected: an existing array index)");
      }
      a.set(i, value);
    } else {
      throw new IllegalArgumentException(
          "edit: " + pointer + " (expected: parent is an object or array)");
    }
  }

  /** Escapes a key for use in a JSON pointer. */
  public static String escape(String key) {
    return key.replace("~", "~0").replace("/", "~1");
  }
}
