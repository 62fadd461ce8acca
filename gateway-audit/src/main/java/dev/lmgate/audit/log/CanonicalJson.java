package dev.lmgate.audit.log;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The one encoding of a record: JSON, object keys sorted, no whitespace, UTF-8, integers only.
 * Verifiers never re-encode: they hash the bytes as stored, so this only has to be deterministic
 * for the writer.
 */
public final class CanonicalJson {
  private static final ObjectMapper MAPPER =
      JsonMapper.builder().enable(JsonNodeFeature.WRITE_PROPERTIES_SORTED).build();

  /**
   * Builds records whose objects keep their keys sorted as they are put (a {@link TreeMap}), so
   * that encoding them sorted costs no copy: Jackson copies every other object into a sorted map
   * each time it writes it, and a record is written twice (its payloads sealed, then its line).
   */
  public static final JsonNodeFactory NODES =
      new JsonNodeFactory() {
        @Override
        public ObjectNode objectNode() {
          return new ObjectNode(this, new TreeMap<>());
        }
      };

  private CanonicalJson() {}

  public static byte[] encode(JsonNode node) {
    try {
      return MAPPER.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always encodes", e);
    }
  }

  /** Parses one stored record; empty when the bytes are not a JSON object. */
  public static Optional<JsonNode> parse(byte[] line) {
    try {
      JsonNode n = MAPPER.readTree(line);
      return n != null && n.isObject() ? Optional.of(n) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  public static ObjectMapper mapper() {
    return MAPPER;
  }
}
