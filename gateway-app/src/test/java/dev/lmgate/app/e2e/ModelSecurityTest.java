package dev.lmgate.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.PermissionDeniedException;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.lmgate.app.Gateway;
import dev.lmgate.app.cli.KeysCommandTest;
import dev.lmgate.app.config.ConfigLoader;
import dev.lmgate.simulator.Fixtures;
import dev.lmgate.simulator.LmStudioSimulator;
import dev.lmgate.spi.SecurityEvent;
import dev.lmgate.testkit.Eventually;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model security end to end: the manifest written and checked with {@code lmgate models}, the
 * gateway refusing denied models and a model whose file was swapped on disk, to the official OpenAI
 * Java SDK.
 */
class ModelSecurityTest {
  @TempDir Path tmp;
  LmStudioSimulator sim;
  Gateway gw;
  final List<SecurityEvent> events = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    if (gw != null) {
      gw.close();
    }
    if (sim != null) {
      sim.close();
    }
  }

  static String ask(OpenAIClient c, String model) {
    return c.chat()
        .completions()
        .create(ChatCompletionCreateParams.builder().model(model).addUserMessage("Hi").build())
        .choices()
        .get(0)
        .message()
        .content()
        .orElse("");
  }

  @Test
  void deniedAndTamperedModelsAreRefusedAndTheCliTellsWhichFilesChanged() throws Exception {
    Path models = tmp.resolve("models");
    Path gguf = models.resolve("lmstudio-community/Qwen3-4B-2507-GGUF/Qwen3-4B-2507-Q4_K_M.gguf");
    Files.createDirectories(gguf.getParent());
    Files.write(gguf, "GGUF known good weights".getBytes());
    Path manifest = tmp.resolve("model-manifest.json");
    KeysCommandTest.Run written =
        KeysCommandTest.lmgate(
            "models",
            "manifest",
            "--models-dir",
            models.toString(),
            "--out",
            manifest.toString(),
            "qwen/qwen3-4b-2507=lmstudio-community/Qwen3-4B-2507-GGUF/Qwen3-4B-2507-Q4_K_M.gguf");
    assertThat(written.code()).isZero();
    assertThat(Files.readString(manifest)).contains("qwen/qwen3-4b-2507");

    sim = new LmStudioSimulator(Fixtures.locate());
    sim.start(0);
    ConfigLoader loader = new ConfigLoader(k -> null);
    loader.environment().attach(events::add);
    String yaml =
        """
        server: {port: 0, access-log: false}
        admin: {enabled: false}
        upstream: {url: "%s"}
        filters:
          - id: model-policy
            allow: ["qwen/*", "google/*"]
            deny: ["*-uncensored"]
            integrity:
              models-dir: "%s"
              manifest: "%s"
              check-every: 200ms
              unlisted: allow
        """
            .formatted(
                sim.baseUrl(),
                models.toString().replace("\\", "/"),
                manifest.toString().replace("\\", "/"));
    gw = new Gateway(loader.parse(yaml), null, loader, s -> {}).start();
    OpenAIClient client =
        OpenAIOkHttpClient.builder()
            .baseUrl("http://127.0.0.1:" + gw.address().getPort() + "/v1")
            .apiKey("unused")
            .maxRetries(0)
            .build();

    assertThat(
            Eventually.within(
                Duration.ofSeconds(5),
                () -> {
                  try {
                    return !ask(client, "qwen/qwen3-4b-2507").isEmpty();
                  } catch (RuntimeException e) {
                    return false; // 503 while the first check runs
                  }
                }))
        .isTrue();
    assertThat(ask(client, "google/gemma-3-12b")).as("allowed, not in the manifest").isNotEmpty();
    assertThatThrownBy(() -> ask(client, "qwen/qwen3-4b-uncensored"))
        .isInstanceOfSatisfying(
            PermissionDeniedException.class,
            e -> assertThat(e.getMessage()).contains("not allowed on this gateway"));
    assertThatThrownBy(() -> ask(client, "mistral/devstral"))
        .isInstanceOf(PermissionDeniedException.class);

    Files.write(gguf, "GGUF weights with a backdoor".getBytes()); // swapped on disk
    assertThat(
            Eventually.within(
                Duration.ofSeconds(5),
                () -> {
                  try {
                    ask(client, "qwen/qwen3-4b-2507");
                    return false;
                  } catch (PermissionDeniedException e) {
                    return e.getMessage().contains("do not match the gateway's integrity manifest");
                  }
                }))
        .isTrue();
    assertThat(events)
        .filteredOn(e -> e.type() == SecurityEvent.Type.MODEL_INTEGRITY)
        .extracting(SecurityEvent::reason)
        .containsExactly("mismatch");

    KeysCommandTest.Run verify =
        KeysCommandTest.lmgate(
            "models",
            "verify",
            "--models-dir",
            models.toString(),
            "--manifest",
            manifest.toString());
    assertThat(verify.code()).isEqualTo(1);
    assertThat(verify.out())
        .contains("MISMATCH  qwen/qwen3-4b-2507")
        .contains("Qwen3-4B-2507-Q4_K_M.gguf: SHA-256 differs from the manifest");
  }
}
