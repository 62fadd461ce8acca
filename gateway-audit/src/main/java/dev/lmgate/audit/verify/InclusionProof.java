package dev.lmgate.audit.verify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lmgate.audit.checkpoint.Checkpoint;
import dev.lmgate.audit.checkpoint.VerifierKey;
import dev.lmgate.audit.merkle.Merkle;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * A self-contained proof that one record is in the log: the record's stored bytes, its index, the
 * RFC 6962 audit path and the signed checkpoint the path leads to. Anyone with the verifier key can
 * check it without the log.
 */
public final class InclusionProof {
  private static final HexFormat HEX = HexFormat.of();

  private InclusionProof() {}

  /** Builds the proof JSON for record {@code seq} against a signed checkpoint note. */
  public static ObjectNode build(
      long seq, byte[] record, List<byte[]> leaves, Checkpoint cp, String signedNote) {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("format", "lmgate-inclusion-proof/1");
    n.put("seq", seq);
    n.put("record", new String(record, StandardCharsets.UTF_8));
    n.put("tree_size", cp.size());
    ArrayNode path = n.putArray("path");
    Merkle.inclusionProof(leaves, (int) seq, (int) cp.size())
        .forEach(h -> path.add(HEX.formatHex(h)));
    n.put("checkpoint", signedNote);
    return n;
  }

  /** Checks a proof; returns the problem, or empty when it holds. */
  public static Optional<String> check(JsonNode proof, VerifierKey key) {
    return check(proof, java.util.List.of(key));
  }

  /** Checks with any of several verifier keys (the current one and those it replaced). */
  public static Optional<String> check(JsonNode proof, java.util.List<VerifierKey> keys) {
    if (!"lmgate-inclusion-proof/1".equals(proof.path("format").asText())) {
      return Optional.of("not an lmgate inclusion proof");
    }
    Checkpoint cp =
        VerifierKey.openWithAny(keys, proof.path("checkpoint").asText(""))
            .flatMap(Checkpoint::parse)
            .orElse(null);
    if (cp == null) {
      return Optional.of("the checkpoint's signature does not verify with the given key");
    }
    if (proof.path("tree_size").asLong(-1) != cp.size()) {
      return Optional.of("the proof's tree size is not the signed checkpoint's");
    }
    List<byte[]> path = new ArrayList<>();
    try {
      for (JsonNode h : proof.path("path")) {
        path.add(HEX.parseHex(h.asText()));
      }
    } catch (IllegalArgumentException e) {
      return Optional.of("the audit path is not hex");
    }
    byte[] record = proof.path("record").asText("").getBytes(StandardCharsets.UTF_8);
    long seq = proof.path("seq").asLong(-1);
    JsonNode parsed = dev.lmgate.audit.log.CanonicalJson.parse(record).orElse(null);
    if (parsed == null || parsed.path("seq").asLong(-2) != seq) {
      return Optional.of("the record does not say it is record " + seq);
    }
    byte[] leaf = Merkle.leafHash(record);
    if (!Merkle.verifyInclusion(seq, cp.size(), leaf, path, cp.root())) {
      return Optional.of(
          "the record is not at index " + seq + " of the signed tree of " + cp.size() + " records");
    }
    return Optional.empty();
  }
}
