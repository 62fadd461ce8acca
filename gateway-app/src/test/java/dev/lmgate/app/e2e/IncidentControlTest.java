package dev.lmgate.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.InternalServerException;
import com.openai.errors.PermissionDeniedException;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.lmgate.app.cli.KeysCommandTest;
import dev.lmgate.filters.auth.FileKeyStore;
import dev.lmgate.filters.auth.KeyAdmin;
import dev.lmgate.spi.SecurityEvent;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lockdown and kill switches with the official OpenAI Java SDK as the callers and the admin API and
 * {@code lmgate incident} as the operator.
 */
class IncidentControlTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String TOKEN = "admin-token-" + System.nanoTime();
  @TempDir Path tmp;
  KeyAdmin.Issued developer;
  KeyAdmin.Issued administrator;
  final HttpClient http = HttpClient.newHttpClient();

  /** A gateway per test: lockdowns, kills and anomaly counts never carry over. */
  @RegisterExtension
  final GatewayExtension gateway =
      GatewayExtension.config(
              """
              server: {port: 0, access-log: false}
              admin: {port: 0, token: "${secret:env:ADMIN_TOKEN}"}
              upstream: {url: "{simulator}"}
              filters:
                - id: authenticate
                  api-keys: {store: "{dir}/keys.json"}
                - id: kill-switch
                - id: anomaly-detection
                  window: 1m
                  blocked-requests: 3
                  suspend: 1m
                - id: authorize
                  roles:
                    developer: {routes: ["openai-*"], models: ["qwen/*", "google/*"]}
                    admin: {routes: ["*"], models: ["*"]}
              """)
          .env(Map.of("ADMIN_TOKEN", TOKEN))
          .beforeStart(this::createKeys);

  void createKeys(Path dir) throws Exception {
    try (FileKeyStore store = FileKeyStore.open(dir.resolve("keys.json"), "", false)) {
      KeyAdmin admin = new KeyAdmin(store, Clock.systemUTC());
      developer = admin.create("dev", "", List.of("developer"), List.of(), null);
      administrator = admin.create("ops", "", List.of("admin"), List.of(), null);
    }
  }

  OpenAIClient client(String key) {
    return OpenAIOkHttpClient.builder()
        .baseUrl(gateway.url("/v1").toString())
        .apiKey(key)
        .maxRetries(0)
        .timeout(Duration.ofSeconds(10))
        .build();
  }

  static String ask(OpenAIClient c, String model) {
    return c.chat()
        .completions()
        .create(ChatCompletionCreateParams.builder().model(model).addUserMessage("Hello").build())
        .choices()
        .get(0)
        .message()
        .content()
        .orElse("");
  }

  HttpResponse<String> admin(String method, String path, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(gateway.adminUrl(path))
            .timeout(Duration.ofSeconds(5))
            .header("authorization", "Bearer " + TOKEN)
            .header("x-lmgate-operator", "alice")
            .header("content-type", "application/json")
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  KeysCommandTest.Run cli(String... args) throws Exception {
    Path tokenFile = tmp.resolve("token");
    Files.writeString(tokenFile, TOKEN);
    String[] all = new String[args.length + 6];
    System.arraycopy(args, 0, all, 1, args.length);
    all[0] = "incident";
    all[args.length + 1] = "--admin";
    all[args.length + 2] = gateway.adminUrl("").toString();
    all[args.length + 3] = "--token-file";
    all[args.length + 4] = tokenFile.toString();
    all[args.length + 5] = "--operator=bob";
    return KeysCommandTest.lmgate(all);
  }

  @Test
  void lockdownServesOnlyAdministratorsAndTellsEveryoneElseWhy() throws Exception {
    OpenAIClient dev = client(developer.key());
    OpenAIClient ops = client(administrator.key());
    assertThat(ask(dev, "qwen/qwen3-4b-2507")).isNotEmpty();

    KeysCommandTest.Run on = cli("lockdown", "--reason", "key leak under investigation");
    assertThat(on.code()).isZero();
    assertThat(on.out()).contains("lockdown: on (key leak under investigation)");

    assertThatThrownBy(() -> ask(dev, "qwen/qwen3-4b-2507"))
        .isInstanceOfSatisfying(
            InternalServerException.class,
            e -> {
              assertThat(e.statusCode()).isEqualTo(503);
              assertThat(e.getMessage()).contains("key leak under investigation");
              assertThat(e.headers().values("retry-after")).isNotEmpty();
            });
    assertThat(ask(ops, "qwen/qwen3-4b-2507")).as("administrators are served").isNotEmpty();

    assertThat(cli("unlock").out()).contains("lockdown: off");
    assertThat(ask(dev, "qwen/qwen3-4b-2507")).isNotEmpty();
    assertThat(gateway.securityEvents())
        .filteredOn(e -> e.type() == SecurityEvent.Type.INCIDENT_CONTROL)
        .extracting(SecurityEvent::reason, SecurityEvent::principalId)
        .containsExactly(
            // what was authenticated; "bob" is only the unverified --operator claim
            org.assertj.core.groups.Tuple.tuple("lockdown_on", "admin-token"),
            org.assertj.core.groups.Tuple.tuple("lockdown_off", "admin-token"));
  }

  @Test
  void aKilledKeyOrModelIsRefusedUntilRevivedWhileOthersKeepWorking() throws Exception {
    OpenAIClient dev = client(developer.key());
    OpenAIClient ops = client(administrator.key());

    HttpResponse<String> killed =
        admin(
            "POST",
            "/incident/kill",
            "{\"kind\":\"key\",\"value\":\"" + developer.record().id() + "\"}");
    assertThat(killed.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(killed.body()).path("killed").path("key").get(0).asText())
        .isEqualTo(developer.record().id());
    assertThatThrownBy(() -> ask(dev, "qwen/qwen3-4b-2507"))
        .isInstanceOfSatisfying(
            PermissionDeniedException.class, e -> assertThat(e.getMessage()).contains("suspended"));
    assertThat(ask(ops, "qwen/qwen3-4b-2507")).isNotEmpty();
    assertThat(
            admin(
                    "DELETE",
                    "/incident/kill",
                    "{\"kind\":\"key\",\"value\":\"" + developer.record().id() + "\"}")
                .statusCode())
        .isEqualTo(200);
    assertThat(ask(dev, "qwen/qwen3-4b-2507")).isNotEmpty();

    KeysCommandTest.Run model = cli("kill", "model", "qwen/*");
    assertThat(model.code()).isZero();
    assertThat(model.out()).contains("killed model: qwen/*");
    assertThatThrownBy(() -> ask(ops, "qwen/qwen3-4b-2507"))
        .as("a killed model is refused to administrators too")
        .isInstanceOfSatisfying(
            PermissionDeniedException.class,
            e -> assertThat(e.getMessage()).contains("qwen/qwen3-4b-2507 is suspended"));
    assertThat(ask(dev, "google/gemma-3-12b")).isNotEmpty();
    assertThat(cli("revive", "model", "qwen/*").code()).isZero();
    assertThat(ask(dev, "qwen/qwen3-4b-2507")).isNotEmpty();
  }

  @Test
  void badOperatorInputIsAnApiShapedErrorAndTheAdminTokenIsRequired() throws Exception {
    HttpResponse<String> kind =
        admin("POST", "/incident/kill", "{\"kind\":\"planet\",\"value\":\"x\"}");
    assertThat(kind.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(kind.body()).path("error").path("code").asText())
        .isEqualTo("invalid_kind");
    assertThat(admin("POST", "/incident/lockdown", "{not json").statusCode()).isEqualTo(400);
    HttpResponse<String> anonymous =
        http.send(
            HttpRequest.newBuilder(gateway.adminUrl("/incident/lockdown"))
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(JSON.readTree(admin("GET", "/incident", null).body()).path("lockdown").asText())
        .isEqualTo("off");
    assertThat(cli("kill", "planet", "x").code()).isEqualTo(1);
  }

  @Test
  void aBurstOfRefusedRequestsSuspendsTheKeyUntilAnOperatorRevivesIt() throws Exception {
    OpenAIClient dev = client(developer.key());
    for (int i = 0; i < 4; i++) { // a model the developer role may not use
      assertThatThrownBy(() -> ask(dev, "mistral/devstral-small"))
          .isInstanceOf(PermissionDeniedException.class);
    }
    assertThatThrownBy(() -> ask(dev, "qwen/qwen3-4b-2507"))
        .as("suspended: even what the key may do is refused")
        .isInstanceOfSatisfying(
            PermissionDeniedException.class, e -> assertThat(e.getMessage()).contains("suspended"));
    assertThat(ask(client(administrator.key()), "qwen/qwen3-4b-2507")).isNotEmpty();
    assertThat(gateway.securityEvents())
        .filteredOn(e -> e.type() == SecurityEvent.Type.ANOMALY)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.reason()).isEqualTo("blocked_burst");
              assertThat(e.detail()).contains("suspended for 1 min");
            });
    KeysCommandTest.Run status = cli("status");
    assertThat(status.out()).contains("killed key: " + developer.record().id());
    assertThat(cli("revive", "key", developer.record().id()).code()).isZero();
    assertThat(ask(dev, "qwen/qwen3-4b-2507")).isNotEmpty();
  }
}
