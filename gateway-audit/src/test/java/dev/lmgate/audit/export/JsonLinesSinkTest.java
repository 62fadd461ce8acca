package dev.lmgate.audit.export;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JSON-lines export keeps every line whole, even when two writers append to one file. */
class JsonLinesSinkTest {
  static final int LINES = 3_000;
  @TempDir Path dir;

  @Test
  void twoWritersOfOneFileNeverSplitALine() throws Exception {
    Path file = dir.resolve("ecs.jsonl");
    List<CompletableFuture<Void>> writers = new ArrayList<>();
    for (int w = 0; w < 2; w++) {
      String who = "writer-" + w;
      writers.add(
          CompletableFuture.runAsync(
              () -> {
                try (JsonLinesSink sink = JsonLinesSink.file(file)) {
                  for (int i = 0; i < LINES; i++) {
                    sink.send(
                        JsonNodeFactory.instance
                            .objectNode()
                            .put("who", who)
                            .put("n", i)
                            .put("pad", "x".repeat(200)),
                        "info");
                  }
                } catch (Exception e) {
                  throw new AssertionError(e);
                }
              }));
    }
    for (CompletableFuture<Void> w : writers) {
      w.get(120, TimeUnit.SECONDS);
    }
    ObjectMapper json = new ObjectMapper();
    List<String> lines = Files.readAllLines(file);
    assertThat(lines).hasSize(2 * LINES);
    for (String line : lines) {
      JsonNode n = json.readTree(line);
      assertThat(n.path("pad").asText()).as(line).hasSize(200);
    }
  }
}
