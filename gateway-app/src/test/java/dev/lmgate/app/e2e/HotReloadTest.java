package dev.lmgate.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lmgate.app.Gateway;
import dev.lmgate.app.config.ConfigLoader;
import dev.lmgate.filters.auth.FileKeyStore;
import dev.lmgate.filters.auth.KeyAdmin;
import dev.lmgate.simulator.Fixtures;
import dev.lmgate.simulator.LmStudioSimulator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HotReloadTest {
  @TempDir Path dir;

  @Test
  void aValidNewConfigAppliesToNewRequestsAndAnInvalidOneIsRejected() throws Exception {
    try (LmStudioSimulator sim = new LmStudioSimulator(Fixtures.locate())) {
      sim.start(0);
      String base =
          "server:\n  port: 0\n  access-log: false\nadmin:\n  port: 0\nupstream:\n  url: "
              + sim.baseUrl()
              + "\n";
      Path file = dir.resolve("gateway.yaml");
      Files.writeString(file, base + "filters: []\n");
      ConfigLoader loader = new ConfigLoader(k -> null);
      try (Gateway gw = new Gateway(loader.load(file), file, loader, s -> {}).start()) {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest req =
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:" + gw.address().getPort() + "/v1/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"max_tokens\":5000,\"messages\":[]}"))
                .build();
        assertThat(http.send(req, HttpResponse.BodyHandlers.ofString()).statusCode())
            .isEqualTo(200);

        Files.writeString(
            file, base + "filters:\n  - id: request-limits\n    max-output-tokens: 100\n");
        assertThat(gw.reload()).isTrue();
        assertThat(http.send(req, HttpResponse.BodyHandlers.ofString()).statusCode())
            .isEqualTo(400);

        Files.writeString(
            file, base + "filters:\n  - id: request-limits\n    max-output-tokens: -3\n");
        assertThat(gw.reload()).isFalse();
        assertThat(http.send(req, HttpResponse.BodyHandlers.ofString()).statusCode())
            .as("the old config keeps serving")
            .isEqualTo(400);
        assertThat(gw.metrics().scrape())
            .contains("lmgate_config_reloads_total{result=\"rejected\"} 1.0")
            .contains("lmgate_config_reloads_total{result=\"applied\"} 1.0");

        HttpResponse<String> health =
            http.send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + gw.adminAddress().getPort() + "/readyz"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        HttpResponse<String> metrics =
            http.send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + gw.adminAddress().getPort() + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.body())
            .contains(
                "lmgate_requests_seconds_count{decision=\"blocked_request\",route=\"openai-chat\",status=\"400\"}")
            .contains(
                "lmgate_filter_duration_seconds_count{filter=\"request-limits\",phase=\"request\",verdict=\"block\"}");
      }
    }
  }

  @Test
  void rolePoliciesChangeOnReload_andKeysKeepWorking() throws Exception {
    Path store = dir.resolve("keys.json");
    String key;
    try (FileKeyStore s = FileKeyStore.open(store, "", false)) {
      key =
          new KeyAdmin(s, Clock.systemUTC()).create("t", "", List.of("dev"), List.of(), null).key();
    }
    try (LmStudioSimulator sim = new LmStudioSimulator(Fixtures.locate())) {
      sim.start(0);
      String base =
          "server: {port: 0, access-log: false}\nadmin: {enabled: false}\nupstream: {url: "
              + sim.baseUrl()
              + "}\nfilters:\n  - id: authenticate\n    api-keys: {store: \""
              + store.toString().replace("\\", "/")
              + "\"}\n  - id: authorize\n    roles:\n      dev: {routes: [\"*\"], models: [%s]}\n";
      Path file = dir.resolve("gateway.yaml");
      Files.writeString(file, base.formatted("\"qwen/*\""));
      ConfigLoader loader = new ConfigLoader(k -> null);
      try (Gateway gw = new Gateway(loader.load(file), file, loader, s -> {}).start()) {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest req =
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:" + gw.address().getPort() + "/v1/chat/completions"))
                .header("authorization", "Bearer " + key)
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"qwen/qwen3-4b-2507\",\"messages\":[]}"))
                .build();
        assertThat(http.send(req, HttpResponse.BodyHandlers.ofString()).statusCode())
            .isEqualTo(200);

        Files.writeString(file, base.formatted("\"openai/*\""));
        assertThat(gw.reload()).isTrue();
        HttpResponse<String> denied = http.send(req, HttpResponse.BodyHandlers.ofString());
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(denied.body()).contains("model_forbidden");
      }
    }
  }
}
