package dev.lmgate.audit.verify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lmgate.audit.checkpoint.Checkpoint;
import dev.lmgate.audit.checkpoint.VerifierKey;
import dev.lmgate.audit.merkle.Merkle;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * A self-contained proof that a later signed checkpoint extends an earlier one (RFC 6962 §2.1.2):
 * nothing the earlier one covered was changed or removed. Someone who kept only checkpoints can
 * check it without the log.
 */
public final class ConsistencyProof {
  public static final String FORMAT = "lmgate-consistency-proof/1";
  private static final HexFormat HEX = HexFormat.of();

  private ConsistencyProof() {}

  public static ObjectNode build(
      List<byte[]> leaves, Checkpoint older, String olderNote, Checkpoint newer, String newerNote) {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("format", FORMAT);
    n.put("old_size", older.size());
    n.put("new_size", newer.size());
    ArrayNode path = n.putArray("path");
    Merkle.consistencyProof(leaves, (int) older.size(), (int) newer.size())
        .forEach(h -> path.add(HEX.formatHex(h)));
    n.put("old_checkpoint", olderNote);
    n.put("new_checkpoint", newerNote);
    return n;
  }

  /** Checks a proof; returns the problem, or empty when it holds. */
  public static Optional<String> check(JsonNode proof, VerifierKey key) {
    return check(proof, java.util.List.of(key));
  }

  /** Checks with any of several verifier keys (the current one and those it replaced). */
  public static Optional<String> check(JsonNode proof, java.util.List<VerifierKey> keys) {
    Checkpoint older =
        VerifierKey.openWithAny(keys, proof.path("old_checkpoint").asText(""))
            .flatMap(Checkpoint::parse)
            .orElse(null);
    Checkpoint newer =
        VerifierKey.openWithAny(keys, proof.path("new_checkpoint").asText(""))
            .flatMap(Checkpoint::parse)
            .orElse(null);
    if (older == null || newer == null) {
      return Optional.of("a checkpoint's signature does not verify with the given key");
    }
    if (proof.path("old_size").asLong(-1) != older.size()
        || proof.path("new_size").asLong(-1) != newer.size()) {
      return Optional.of("the proof's sizes are not the signed checkpoints'");
    }
    List<byte[]> path = new ArrayList<>();
    try {
      for (JsonNode h : proof.path("path")) {
        path.add(HEX.parseHex(h.asText()));
      }
    } catch (IllegalArgumentException e) {
      return Optional.of("the proof path is not hex");
    }
    if (!Merkle.verifyConsistency(older.size(), newer.size(), older.root(), newer.root(), path)) {
      return Optional.of(
          "the log of "
              + newer.size()
              + " records does not extend the log of "
              + older.size()
              + " records (history was rewritten)");
    }
    return Optional.empty();
  }
}
