package dev.lmgate.filters.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What LM Studio's model files must hash to: per model id, each file's path (relative to the models
 * directory) and SHA-256. JSON: {@code {"models": {"qwen/qwen3-4b-2507": {"lmstudio-community/
 * Qwen3-4B-2507-GGUF/Qwen3-4B-2507-Q4_K_M.gguf": "9f86d0…"}}}}. Written by {@code lmgate models
 * manifest}, checked by {@code lmgate models verify} and the {@code model-policy} filter.
 */
public record ModelManifest(Map<String, Map<String, String>> models) {
  private static final ObjectMapper JSON = new ObjectMapper();

  public ModelManifest {
    Map<String, Map<String, String>> copy = new TreeMap<>();
    models.forEach((k, v) -> copy.put(k, Map.copyOf(new TreeMap<>(v))));
    models = java.util.Collections.unmodifiableMap(copy);
  }

  /** Reads a manifest; a malformed one is an IOException naming what is wrong. */
  public static ModelManifest read(Path file) throws IOException {
    JsonNode root = JSON.readTree(file.toFile());
    JsonNode models = root == null ? null : root.get("models");
    if (models == null || !models.isObject()) {
      throw new IOException(file + ": not a model manifest (no \"models\" object)");
    }
    Map<String, Map<String, String>> out = new LinkedHashMap<>();
    for (var e : (Iterable<Map.Entry<String, JsonNode>>) models::fields) {
      Map<String, String> files = new LinkedHashMap<>();
      if (!e.getValue().isObject() || e.getValue().isEmpty()) {
        throw new IOException(file + ": model " + e.getKey() + " lists no files");
      }
      for (var f : (Iterable<Map.Entry<String, JsonNode>>) e.getValue()::fields) {
        String hash = f.getValue().asText("");
        if (!com.google.re2j.Pattern.matches("[0-9a-f]{64}", hash)) {
          throw new IOException(file + ": " + e.getKey() + " " + f.getKey() + ": not a SHA-256");
        }
        relative(f.getKey()); // refuses paths that leave the models directory
        files.put(f.getKey(), hash);
      }
      out.put(e.getKey(), files);
    }
    return new ModelManifest(out);
  }

  public void write(Path file) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode m = root.putObject("models");
    models.forEach(
        (id, files) -> {
          ObjectNode f = m.putObject(id);
          files.forEach(f::put);
        });
    Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
  }

  /** Hashes the given files of each model. */
  public static ModelManifest create(Path modelsDir, Map<String, List<String>> filesByModel)
      throws IOException {
    Map<String, Map<String, String>> out = new LinkedHashMap<>();
    for (var e : filesByModel.entrySet()) {
      Map<String, String> files = new LinkedHashMap<>();
      for (String f : e.getValue()) {
        files.put(f, sha256(modelsDir.resolve(relative(f))));
      }
      out.put(e.getKey(), files);
    }
    return new ModelManifest(out);
  }

  /** A manifest path as a relative path inside the models directory. */
  static Path relative(String path) throws IOException {
    Path p = Path.of(path).normalize();
    if (p.isAbsolute() || p.startsWith("..") || path.isBlank()) {
      throw new IOException("model file path must stay inside the models directory: " + path);
    }
    return p;
  }

  /** The SHA-256 of a file, read in 1 MiB blocks. */
  public static String sha256(Path file) throws IOException {
    MessageDigest d;
    try {
      d = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    byte[] buf = new byte[1 << 20];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n; (n = in.read(buf)) > 0; ) {
        d.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(d.digest());
  }

  /**
   * Checks one model's files; returns the problems (a file missing, unreadable or different), empty
   * when every file matches.
   */
  public List<String> verify(Path modelsDir, String model) {
    List<String> problems = new java.util.ArrayList<>();
    for (var f : models.getOrDefault(model, Map.of()).entrySet()) {
      try {
        Path p = modelsDir.resolve(relative(f.getKey()));
        if (!Files.isRegularFile(p)) {
          problems.add(f.getKey() + ": missing");
        } else if (!sha256(p).equals(f.getValue())) {
          problems.add(f.getKey() + ": SHA-256 differs from the manifest");
        }
      } catch (IOException e) {
        problems.add(f.getKey() + ": unreadable (" + e.getClass().getSimpleName() + ")");
      }
    }
    return problems;
  }
}
