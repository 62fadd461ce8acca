package dev.lmgate.secrets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lmgate.spi.Secret;
import java.io.IOException;

/** Picks {@code #field} out of a JSON object secret (AWS Secrets Manager's key/value form). */
final class JsonField {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private JsonField() {}

  static Secret pick(SecretRef ref, String value) throws IOException {
    if (ref.field().isEmpty()) {
      return Secret.of(value);
    }
    JsonNode n;
    try {
      n = MAPPER.readTree(value);
    } catch (IOException e) {
      throw new IOException(
          ref + ": the secret is not a JSON object, so it has no field " + ref.field());
    }
    JsonNode f = n == null ? null : n.get(ref.field());
    if (f == null || !f.isValueNode()) {
      throw new IOException(ref + ": the secret has no field " + ref.field());
    }
    return Secret.of(f.asText());
  }
}
