package dev.lmgate.audit.log;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A record's line is hashed as written, so its encoding must not depend on how the record was
 * built: built with the sorted-map factory or any other, in any key order, it encodes the same.
 */
class CanonicalJsonTest {

  @Test
  void recordsBuiltSortedEncodeAsAnyOtherRecordWithTheSameContent() {
    ObjectNode sorted = fill(CanonicalJson.NODES.objectNode());
    ObjectNode plain = fill(JsonNodeFactory.instance.objectNode());
    String line = new String(CanonicalJson.encode(sorted), StandardCharsets.UTF_8);
    assertThat(line).isEqualTo(new String(CanonicalJson.encode(plain), StandardCharsets.UTF_8));
    assertThat(line)
        .isEqualTo(
            "{\"a\":[{\"x\":1,\"y\":2}],\"kind\":\"exchange\",\"prev\":\"00\",\"seq\":7,"
                + "\"z\":{\"B\":true,\"a\":null,\"b\":\"é\"}}");
    JsonNode back = CanonicalJson.parse(line.getBytes(StandardCharsets.UTF_8)).orElseThrow();
    assertThat(back).isEqualTo(plain);
  }

  /** Keys put out of order, in nested objects and in an object inside an array. */
  private static ObjectNode fill(ObjectNode r) {
    r.put("seq", 7);
    r.put("kind", "exchange");
    ObjectNode z = r.putObject("z");
    z.put("b", "é");
    z.putNull("a");
    z.put("B", true);
    r.putArray("a").addObject().put("y", 2).put("x", 1);
    r.put("prev", "00");
    return r;
  }
}
