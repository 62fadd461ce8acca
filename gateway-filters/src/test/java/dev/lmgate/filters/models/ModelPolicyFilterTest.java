package dev.lmgate.filters.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lmgate.filters.policy.Glob;
import dev.lmgate.spi.FilterSettings;
import dev.lmgate.spi.SecurityEvent;
import dev.lmgate.spi.Verdict;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelPolicyFilterTest {
  @TempDir Path models;
  final List<SecurityEvent> events = new CopyOnWriteArrayList<>();

  static ModelPolicyFilter policy(List<String> allow, List<String> deny, ModelIntegrity i) {
    return new ModelPolicyFilter(
        FilterSettings.defaults(FilterSettings.Action.BLOCK),
        allow.stream().map(Glob::new).toList(),
        deny.stream().map(Glob::new).toList(),
        i,
        ModelPolicyFilter.Unlisted.BLOCK);
  }

  static String code(Verdict v) {
    return v.kind() == Verdict.Kind.BLOCK ? v.rejection().code() : "pass";
  }

  @Test
  void theDenylistWinsOverTheAllowlistAndAnEmptyAllowlistAllowsAll() {
    ModelPolicyFilter p = policy(List.of("qwen/*", "google/*"), List.of("*uncensored*"), null);
    assertThat(code(p.decide("qwen/qwen3-4b-2507"))).isEqualTo("pass");
    assertThat(code(p.decide("qwen/qwen3-4b-uncensored"))).isEqualTo("model_denied");
    assertThat(code(p.decide("mistral/devstral"))).isEqualTo("model_not_allowed");
    assertThat(code(p.decide(""))).as("no model named").isEqualTo("pass");
    assertThat(code(policy(List.of(), List.of("*abliterated*"), null).decide("any/model")))
        .isEqualTo("pass");
  }

  @Test
  void aModelIsServedOnlyWhileItsFilesMatchTheManifest() throws IOException {
    Path gguf = models.resolve("community/Qwen3-GGUF/q4.gguf");
    Files.createDirectories(gguf.getParent());
    Files.write(gguf, new byte[] {1, 2, 3, 4});
    ModelManifest manifest =
        ModelManifest.create(
            models, Map.of("qwen/qwen3-4b-2507", List.of("community/Qwen3-GGUF/q4.gguf")));
    try (ModelIntegrity integrity =
        new ModelIntegrity(manifest, models, Clock.systemUTC(), events::add)) {
      ModelPolicyFilter p = policy(List.of(), List.of(), integrity);
      integrity.checkAll();
      assertThat(code(p.decide("qwen/qwen3-4b-2507"))).isEqualTo("pass");
      assertThat(code(p.decide("google/gemma-3-12b")))
          .as("not in the manifest")
          .isEqualTo("model_not_verified");

      Files.write(gguf, new byte[] {1, 2, 3, 5}); // swapped on disk
      integrity.checkAll();
      Verdict v = p.decide("qwen/qwen3-4b-2507");
      assertThat(code(v)).isEqualTo("model_integrity_failed");
      assertThat(v.rejection().status()).isEqualTo(403);
      assertThat(integrity.problems("qwen/qwen3-4b-2507"))
          .containsExactly("community/Qwen3-GGUF/q4.gguf: SHA-256 differs from the manifest");
      integrity.checkAll(); // still failing: no second event

      Files.write(gguf, new byte[] {1, 2, 3, 4});
      integrity.checkAll();
      assertThat(code(p.decide("qwen/qwen3-4b-2507"))).isEqualTo("pass");
      assertThat(events)
          .filteredOn(e -> e.type() == SecurityEvent.Type.MODEL_INTEGRITY)
          .extracting(SecurityEvent::reason)
          .containsExactly("mismatch", "recovered");
    }
  }

  @Test
  void aModelNotYetCheckedWaitsWithARetryAfter() throws IOException {
    Files.write(models.resolve("m.gguf"), new byte[] {9});
    ModelManifest manifest = ModelManifest.create(models, Map.of("m", List.of("m.gguf")));
    try (ModelIntegrity integrity =
        new ModelIntegrity(manifest, models, Clock.systemUTC(), events::add)) {
      Verdict v = policy(List.of(), List.of(), integrity).decide("m");
      assertThat(code(v)).isEqualTo("model_integrity_pending");
      assertThat(v.rejection().status()).isEqualTo(503);
      assertThat(v.rejection().headers()).containsEntry("retry-after", "30");
    }
  }

  @Test
  void aManifestThatLeavesTheModelsDirectoryOrIsMalformedIsRefused() throws IOException {
    Path bad = models.resolve("bad.json");
    Files.writeString(
        bad, "{\"models\":{\"m\":{\"../../etc/shadow\":\"" + "a".repeat(64) + "\"}}}");
    assertThatThrownBy(() -> ModelManifest.read(bad))
        .hasMessageContaining("inside the models directory");
    Files.writeString(bad, "{\"models\":{\"m\":{\"m.gguf\":\"not-a-hash\"}}}");
    assertThatThrownBy(() -> ModelManifest.read(bad)).hasMessageContaining("not a SHA-256");
    Files.writeString(bad, "[]");
    assertThatThrownBy(() -> ModelManifest.read(bad)).hasMessageContaining("no \"models\" object");
  }
}
