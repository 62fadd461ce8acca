package dev.lmgate.simulator;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * LM Studio payloads from {@code ../shared/fixtures/lmstudio}. JSON files are served minified, as
 * LM Studio sends them; {@code .sse} files byte for byte. When the directory is absent (a checkout
 * without {@code ../shared}), a small built-in set keeps the simulator usable.
 */
public final class Fixtures {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private final Path dir;

  private Fixtures(Path dir) {
    this.dir = dir;
  }

  /**
   * Finds the fixtures: {@code $LMGATE_FIXTURES}, the {@code lmgate.shared.dir} system property,
   * then {@code ../shared/fixtures/lmstudio} from the working directory and its parents.
   */
  public static Fixtures locate() {
    return new Fixtures(find().orElse(null));
  }

  public static Fixtures at(Path dir) {
    return new Fixtures(dir);
  }

  static Optional<Path> find() {
    String env = System.getenv("LMGATE_FIXTURES");
    if (env != null && Files.isDirectory(Path.of(env))) {
      return Optional.of(Path.of(env));
    }
    String shared = System.getProperty("lmgate.shared.dir");
    if (shared != null && Files.isDirectory(Path.of(shared, "fixtures", "lmstudio"))) {
      return Optional.of(Path.of(shared, "fixtures", "lmstudio"));
    }
    Path p = Path.of("").toAbsolutePath();
    for (int i = 0; i < 4 && p != null; i++, p = p.getParent()) {
      for (Path c :
          List.of(
              p.resolve("../shared/fixtures/lmstudio"), p.resolve("shared/fixtures/lmstudio"))) {
        if (Files.isDirectory(c)) {
          return Optional.of(c.normalize());
        }
      }
    }
    return Optional.empty();
  }

  /** Where the fixtures are read from, or empty when the built-in set is used. */
  public Optional<Path> directory() {
    return Optional.ofNullable(dir);
  }

  /** A fixture's bytes as served: JSON minified, SSE as is. */
  public byte[] bytes(String name) {
    try {
      if (dir != null && Files.exists(dir.resolve(name))) {
        byte[] raw = Files.readAllBytes(dir.resolve(name));
        return name.endsWith(".json") ? MAPPER.writeValueAsBytes(MAPPER.readTree(raw)) : raw;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return builtIn(name).getBytes(StandardCharsets.UTF_8);
  }

  /** Minimal stand-ins so that {@code lmgate demo} works without {@code ../shared}. */
  private static String builtIn(String name) {
    String id = "chatcmpl-demo0000000000000000";
    String head =
        "{\"id\":\""
            + id
            + "\",\"object\":\"chat.completion.chunk\",\"created\":1771488300,\"model\":\"qwen/qwen3-4b-2507\",\"system_fingerprint\":\"qwen/qwen3-4b-2507\",\"choices\":[{\"index\":0,";
    return switch (name) {
      case "models.json" ->
          "{\"data\":[{\"id\":\"qwen/qwen3-4b-2507\",\"object\":\"model\",\"owned_by\":\"organization_owner\"}],\"object\":\"list\"}";
      case "chat-completion.json" ->
          "{\"id\":\""
              + id
              + "\",\"object\":\"chat.completion\",\"created\":1771488300,\"model\":\"qwen/qwen3-4b-2507\",\"choices\":[{\"index\":0,\"logprobs\":null,\"finish_reason\":\"stop\",\"message\":{\"role\":\"assistant\",\"content\":\"Hello from the lmgate demo simulator.\",\"tool_calls\":[]}}],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":8,\"total_tokens\":20},\"stats\":{},\"system_fingerprint\":\"qwen/qwen3-4b-2507\"}";
      case "chat-completion-stream.sse" ->
          "data: "
              + head
              + "\"delta\":{\"role\":\"assistant\",\"content\":\"Hello\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n"
              + "data: "
              + head
              + "\"delta\":{\"role\":\"assistant\",\"content\":\" from the lmgate demo simulator.\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n"
              + "data: "
              + head
              + "\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}]}\n\n"
              + "data: [DONE]\n\n";
      case "lmstudio-greeting.json" -> "{\"lmstudio\":true}";
      default ->
          "{\"error\":\"Unexpected endpoint or method. (fixture " + name + " not available)\"}";
    };
  }
}
