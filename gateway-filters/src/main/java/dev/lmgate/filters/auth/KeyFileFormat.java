package dev.lmgate.filters.auth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The key store's file format, {@code lmgate-keys/1}: a JSON object with that {@code format} and a
 * {@code keys} array of records (ids, roles, times as ISO-8601 instants, absent ones as null, and
 * the salted hash; never a secret). Reading refuses anything else without quoting the file.
 */
final class KeyFileFormat {
  static final String FORMAT = "lmgate-keys/1";
  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private KeyFileFormat() {}

  /** The records of the store at {@code file}. */
  static List<KeyRecord> read(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    JsonNode root;
    try {
      root = MAPPER.readTree(bytes);
    } catch (JsonProcessingException e) {
      // not the parser's message: it quotes the file's content, and the error reaches config
      // checks (the admin port's /config/validate) whose caller must not read files this way
      throw new IOException(file + ": not an lmgate key store (not JSON)");
    }
    if (root == null || !FORMAT.equals(root.path("format").asText())) {
      throw new IOException(file + ": not an lmgate key store (format: " + FORMAT + ")");
    }
    List<KeyRecord> out = new ArrayList<>();
    for (JsonNode k : root.path("keys")) {
      out.add(
          new KeyRecord(
              k.path("id").asText(),
              k.path("name").asText(),
              k.path("owner").asText(),
              strings(k.path("roles")),
              strings(k.path("scopes")),
              Instant.parse(k.path("created").asText()),
              instant(k.path("expires")),
              instant(k.path("revoked")),
              k.path("replaced-by").isTextual() ? k.path("replaced-by").asText() : null,
              k.path("salt").asText(),
              k.path("hash").asText()));
    }
    return out;
  }

  private static List<String> strings(JsonNode n) {
    List<String> l = new ArrayList<>();
    n.forEach(v -> l.add(v.asText()));
    return l;
  }

  private static Instant instant(JsonNode n) {
    return n.isTextual() ? Instant.parse(n.asText()) : null;
  }

  /** The file's content holding {@code records}, in their order. */
  static byte[] write(List<KeyRecord> records) throws IOException {
    ObjectNode root = MAPPER.createObjectNode().put("format", FORMAT);
    ArrayNode keys = root.putArray("keys");
    for (KeyRecord r : records) {
      ObjectNode k = keys.addObject();
      k.put("id", r.id()).put("name", r.name()).put("owner", r.owner());
      r.roles().forEach(k.putArray("roles")::add);
      r.scopes().forEach(k.putArray("scopes")::add);
      k.put("created", r.created().toString());
      k.put("expires", r.expires() == null ? null : r.expires().toString());
      k.put("revoked", r.revoked() == null ? null : r.revoked().toString());
      k.put("replaced-by", r.replacedBy());
      k.put("salt", r.salt()).put("hash", r.hash());
    }
    return MAPPER.writeValueAsBytes(root);
  }
}
