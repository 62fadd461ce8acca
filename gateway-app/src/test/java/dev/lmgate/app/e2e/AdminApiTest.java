package dev.lmgate.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.lmgate.app.Gateway;
import dev.lmgate.app.cli.KeysCommandTest;
import dev.lmgate.app.config.ConfigLoader;
import dev.lmgate.simulator.Fixtures;
import dev.lmgate.simulator.LmStudioSimulator;
import dev.lmgate.spi.SecurityEvent;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin API's key, config and audit routes through {@code lmgate admin}, with the official
 * OpenAI Java SDK as the caller whose key is created and revoked; every operator call audited.
 */
class AdminApiTest {
  static final String TOKEN = "admin-token-" + System.nanoTime();
  @TempDir Path tmp;
  LmStudioSimulator sim;
  Gateway gw;
  Path configFile;
  final List<SecurityEvent> events = new CopyOnWriteArrayList<>();

  /** The admin role's policy in {@code authorize}. */
  String adminRole = "{routes: [\"*\"], models: [\"*\"]}";

  String config(String extraFilter) {
    return """
        server: {port: 0, access-log: false}
        admin: {port: 0, token: "${secret:env:ADMIN_TOKEN}"}
        upstream: {url: "%s"}
        filters:
          - id: authenticate
            api-keys: {store: "%s"}
          - id: authorize
            roles:
              developer: {routes: ["openai-*"], models: ["qwen/*"]}
              admin: %s
          - id: kill-switch
        %s
        audit:
          dir: "%s"
          signing-key: "%s"
          master-key: "file:%s"
        """
        .formatted(
            sim.baseUrl(),
            tmp.resolve("keys.json").toString().replace("\\", "/"),
            adminRole,
            extraFilter,
            tmp.resolve("log").toString().replace("\\", "/"),
            tmp.resolve("signing.key").toString().replace("\\", "/"),
            tmp.resolve("master.key").toString().replace("\\", "/"));
  }

  @BeforeEach
  void start() throws Exception {
    sim = new LmStudioSimulator(Fixtures.locate());
    sim.start(0);
    configFile = tmp.resolve("gateway.yaml");
    Files.writeString(configFile, config(""));
    ConfigLoader loader = new ConfigLoader(k -> "ADMIN_TOKEN".equals(k) ? TOKEN : null);
    loader.environment().attach(events::add);
    gw = new Gateway(loader.load(configFile), configFile, loader, s -> {}).start();
  }

  @AfterEach
  void stop() {
    if (gw != null) {
      gw.close();
    }
    sim.close();
  }

  KeysCommandTest.Run admin(String... args) throws Exception {
    Path tokenFile = tmp.resolve("token");
    Files.writeString(tokenFile, TOKEN);
    List<String> all = new ArrayList<>();
    all.add("admin");
    all.addAll(Arrays.asList(args));
    all.addAll(
        List.of(
            "--admin",
            "http://127.0.0.1:" + gw.adminAddress().getPort(),
            "--token-file",
            tokenFile.toString(),
            "--operator=carol"));
    return KeysCommandTest.lmgate(all.toArray(String[]::new));
  }

  OpenAIClient client(String key) {
    return OpenAIOkHttpClient.builder()
        .baseUrl("http://127.0.0.1:" + gw.address().getPort() + "/v1")
        .apiKey(key)
        .maxRetries(0)
        .build();
  }

  static String ask(OpenAIClient c) {
    return c.chat()
        .completions()
        .create(
            ChatCompletionCreateParams.builder()
                .model("qwen/qwen3-4b-2507")
                .addUserMessage("Hello")
                .build())
        .choices()
        .get(0)
        .message()
        .content()
        .orElse("");
  }

  @Test
  void keysAreCreatedListedAndRevokedThroughTheAdminApi() throws Exception {
    KeysCommandTest.Run created =
        admin("create-key", "--name", "svc", "--role", "developer", "--expires-in", "30d");
    assertThat(created.code()).isZero();
    String[] lines = created.out().strip().split("\n");
    String id = lines[0].split(" ")[0];
    String key = lines[1].strip();
    assertThat(ask(client(key))).isNotEmpty();
    assertThat(admin("keys").out()).contains(id + "  svc  roles [\"developer\"]");

    assertThat(admin("revoke-key", id).out()).contains(id + ": revoked");
    assertThatThrownBy(() -> ask(client(key))).isInstanceOf(UnauthorizedException.class);
    assertThat(admin("revoke-key", "nope").code()).isEqualTo(1);
    assertThat(events)
        .filteredOn(e -> e.type() == SecurityEvent.Type.CREDENTIAL_CHANGED)
        .extracting(SecurityEvent::reason)
        .contains("key_revoked");
  }

  @Test
  void aConfigIsValidatedWithoutChangesAndReloadedOnlyWhenItLoads() throws Exception {
    Path bad = tmp.resolve("bad.yaml");
    Files.writeString(bad, config("  - id: rate-limit\n    roles: {developer: {requests: lots}}"));
    KeysCommandTest.Run invalid = admin("validate", bad.toString());
    assertThat(invalid.code()).isEqualTo(1);
    assertThat(admin("validate", configFile.toString()).out()).contains("valid; filters");

    Files.writeString(configFile, Files.readString(bad));
    assertThat(admin("reload").code()).as("rejected, the old config keeps serving").isEqualTo(1);
    assertThat(gw.chain().filters())
        .extracting(f -> f.id())
        .containsExactly("authenticate", "authorize", "kill-switch");
    Files.writeString(configFile, config("  - id: request-limits\n    max-output-tokens: 100"));
    assertThat(admin("reload").out()).contains("reloaded");
    assertThat(gw.chain().filters())
        .extracting(f -> f.id())
        .containsExactly("authenticate", "authorize", "kill-switch", "request-limits");
  }

  @Test
  void theAuditLogIsVerifiedAndEveryOperatorCallIsAuditedRefusalsToo() throws Exception {
    KeysCommandTest.Run verified = admin("verify-audit");
    assertThat(verified.code()).isZero();
    assertThat(verified.out()).startsWith("intact: ");
    HttpResponse<String> anonymous =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + gw.adminAddress().getPort() + "/keys"))
                    .header("authorization", "Bearer wrong")
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(events)
        .filteredOn(e -> e.type() == SecurityEvent.Type.ADMIN_ACTION)
        .extracting(
            SecurityEvent::reason,
            SecurityEvent::principalId,
            SecurityEvent::claimedOperator,
            SecurityEvent::detail)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "called", "admin-token", "carol", "POST /audit/verify -> 200"),
            org.assertj.core.groups.Tuple.tuple("refused", "", "", "GET /keys -> 401"));
    assertThat(events)
        .filteredOn(e -> e.type() == SecurityEvent.Type.ADMIN_ACTION)
        .extracting(SecurityEvent::clientAddress)
        .as("the peer address, from the connection")
        .allMatch(c -> c.startsWith("127.0.0.1:"));
    assertThat(events)
        .filteredOn(e -> e.type() == SecurityEvent.Type.AUTHENTICATION_FAILED)
        .extracting(SecurityEvent::reason, SecurityEvent::routeId)
        .as("a rejected admin credential is a failed login for alerts and anomaly detection")
        .containsExactly(org.assertj.core.groups.Tuple.tuple("admin_credential_rejected", "admin"));
  }

  @Test
  void anOperatorWithAnAdminKeyActsUnderItsOwnNameAndOtherKeysAreRefused() throws Exception {
    String[] admin =
        admin("create-key", "--name", "ops", "--role", "admin").out().strip().split("\n");
    String adminId = admin[0].split(" ")[0];
    String developer =
        admin("create-key", "--name", "dev", "--role", "developer").out().strip().split("\n")[1];
    HttpClient http = HttpClient.newHttpClient();
    URI keys = URI.create("http://127.0.0.1:" + gw.adminAddress().getPort() + "/keys");
    HttpResponse<String> asAdmin =
        http.send(
            HttpRequest.newBuilder(keys)
                .header("authorization", "Bearer " + admin[1].strip())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(asAdmin.statusCode()).isEqualTo(200);
    HttpResponse<String> asDeveloper =
        http.send(
            HttpRequest.newBuilder(keys)
                .header("authorization", "Bearer " + developer.strip())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(asDeveloper.statusCode()).isEqualTo(401);
    assertThat(events)
        .filteredOn(e -> e.type() == SecurityEvent.Type.ADMIN_ACTION)
        .extracting(SecurityEvent::principalId, SecurityEvent::detail)
        .contains(
            org.assertj.core.groups.Tuple.tuple("key:" + adminId, "GET /keys -> 200"),
            org.assertj.core.groups.Tuple.tuple("", "GET /keys -> 401"));
  }

  HttpResponse<String> call(String method, String path, String credential, String body)
      throws Exception {
    return call(method, path, credential, body, null);
  }

  HttpResponse<String> call(
      String method, String path, String credential, String body, String operatorHeader)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.adminAddress().getPort() + path))
            .header("authorization", "Bearer " + credential)
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (operatorHeader != null) {
      b.header("x-lmgate-operator", operatorHeader);
    }
    return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A new key with these roles, as {id, key}. */
  String[] newKey(String name, String role) throws Exception {
    String[] lines = admin("create-key", "--name", name, "--role", role).out().strip().split("\n");
    return new String[] {lines[0].split(" ")[0], lines[1].strip()};
  }

  @Test
  void anAdminKeyOfARoleThatRequiresMfaIsRefusedOnEveryOperatorRoute() throws Exception {
    String[] ops = newKey("ops", "admin");
    adminRole = "{routes: [\"*\"], models: [\"*\"], require-mfa: true}";
    Files.writeString(configFile, config(""));
    assertThat(gw.reload()).isTrue();

    String[][] calls = {
      {"GET", "/keys", null},
      {"POST", "/keys", "{\"name\":\"x\",\"roles\":[\"admin\"]}"},
      {"DELETE", "/keys/" + ops[0], null},
      {"GET", "/approvals", null},
      {"POST", "/approvals/a1/approve", null},
      {"GET", "/incident", null},
      {"POST", "/incident/lockdown", "{\"reason\":\"x\"}"},
      {"POST", "/config/reload", null},
      {"POST", "/config/validate", "server: {}"},
      {"POST", "/audit/verify", null}
    };
    for (String[] c : calls) {
      HttpResponse<String> r = call(c[0], c[1], ops[1], c[2]);
      assertThat(r.statusCode()).as(c[0] + " " + c[1]).isEqualTo(403);
      assertThat(r.body())
          .as(c[0] + " " + c[1])
          .contains("\"code\":\"mfa_required\"")
          .contains("multi-factor");
    }
    assertThat(call("GET", "/incident", TOKEN, null).body())
        .as("no lockdown took effect")
        .contains("\"lockdown\":\"off\"");
    String keys = call("GET", "/keys", TOKEN, null).body();
    assertThat(keys).as("no key was created").doesNotContain("\"name\":\"x\"");
    assertThat(keys).as("nor revoked").contains("\"revoked\":null");
    assertThat(events)
        .filteredOn(e -> e.type() == SecurityEvent.Type.AUTHORIZATION_DENIED)
        .extracting(SecurityEvent::reason, SecurityEvent::principalId)
        .hasSize(calls.length)
        .containsOnly(org.assertj.core.groups.Tuple.tuple("mfa_required", "key:" + ops[0]));
    assertThat(events)
        .filteredOn(e -> e.type() == SecurityEvent.Type.ADMIN_ACTION)
        .filteredOn(e -> e.principalId().equals("key:" + ops[0]))
        .extracting(SecurityEvent::reason)
        .hasSize(calls.length)
        .containsOnly("refused");
  }

  @Test
  void aSuspendedAdminKeyCannotActNorReviveItself() throws Exception {
    String[] ops = newKey("ops", "admin");
    assertThat(
            call("POST", "/incident/kill", TOKEN, "{\"kind\":\"key\",\"value\":\"" + ops[0] + "\"}")
                .statusCode())
        .isEqualTo(200);
    HttpResponse<String> revive =
        call("DELETE", "/incident/kill", ops[1], "{\"kind\":\"key\",\"value\":\"" + ops[0] + "\"}");
    assertThat(revive.statusCode()).isEqualTo(403);
    assertThat(revive.body()).contains("access_suspended");
    assertThat(call("GET", "/incident", TOKEN, null).body()).contains(ops[0]);
    assertThat(call("GET", "/keys", ops[1], null).statusCode()).isEqualTo(403);
  }

  @Test
  void aForgedOperatorNameIsRecordedOnlyAsAnUnverifiedClaimNeverAsTheActor() throws Exception {
    String[] ops = newKey("ops", "admin");
    String forged = "key:" + ops[0];
    assertThat(
            call("POST", "/incident/lockdown", TOKEN, "{\"reason\":\"drill\"}", forged)
                .statusCode())
        .isEqualTo(200);
    assertThat(call("GET", "/keys", "wrong", null, forged).statusCode()).isEqualTo(401);
    gw.close(); // every record on disk
    gw = null;
    List<com.fasterxml.jackson.databind.JsonNode> records =
        dev.lmgate.audit.log.LogReader.read(tmp.resolve("log/segments")).entries().stream()
            .map(dev.lmgate.audit.log.LogReader.Entry::json)
            .filter(r -> "security".equals(r.path("kind").asText()))
            .filter(r -> r.toString().contains(forged))
            .toList();
    assertThat(records)
        .extracting(
            r -> r.path("type").asText(),
            r -> r.path("principal").asText(),
            r -> r.path("claimed_operator").path("name").asText(),
            r -> r.path("claimed_operator").path("verified").asBoolean(true))
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("admin_action", "admin-token", forged, false),
            org.assertj.core.groups.Tuple.tuple("admin_action", "", forged, false),
            org.assertj.core.groups.Tuple.tuple("authentication_failed", "", forged, false));
    List<com.fasterxml.jackson.databind.JsonNode> lockdown =
        dev.lmgate.audit.log.LogReader.read(tmp.resolve("log/segments")).entries().stream()
            .map(dev.lmgate.audit.log.LogReader.Entry::json)
            .filter(r -> "incident_control".equals(r.path("type").asText()))
            .toList();
    assertThat(lockdown)
        .extracting(r -> r.path("reason").asText(), r -> r.path("principal").asText())
        .containsExactly(org.assertj.core.groups.Tuple.tuple("lockdown_on", "admin-token"));
  }

  @Test
  void lockdownServesOnlyAdministratorsWhoMeetTheAdminRolesRequirements() throws Exception {
    HttpResponse<String> created =
        call("POST", "/keys", TOKEN, "{\"name\":\"both\",\"roles\":[\"developer\",\"admin\"]}");
    assertThat(created.statusCode()).isEqualTo(200);
    String key =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(created.body())
            .path("key")
            .asText();
    assertThat(call("POST", "/incident/lockdown", TOKEN, "{\"reason\":\"drill\"}").statusCode())
        .isEqualTo(200);
    assertThat(ask(client(key))).as("an administrator is served in lockdown").isNotEmpty();

    adminRole = "{routes: [\"*\"], models: [\"*\"], require-mfa: true}";
    Files.writeString(configFile, config(""));
    assertThat(gw.reload()).isTrue();
    // the key still holds the admin role, and its developer role would pass authorize: holding
    // the role is not enough, its requirement (a second factor) is not met
    assertThatThrownBy(() -> ask(client(key)))
        .isInstanceOfSatisfying(
            com.openai.errors.InternalServerException.class,
            e -> {
              assertThat(e.statusCode()).isEqualTo(503);
              assertThat(e.getMessage()).contains("lockdown");
            });
  }

  @Test
  void validatingAConfigNeverEchoesAValueFromTheGatewaysEnvironment() throws Exception {
    String path = System.getenv("PATH");
    assertThat(path).as("the test needs an environment variable").isNotBlank();
    HttpResponse<String> r =
        call("POST", "/config/validate", TOKEN, "server: {port: \"${PATH}\"}\n");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("server.port").contains("expected");
    assertThat(r.body()).doesNotContain(path.substring(0, Math.min(path.length(), 12)));
  }

  @Test
  void validatingAConfigNeverQuotesTheContentOfAFileItPointsAt() throws Exception {
    Path secret = tmp.resolve("not-a-key-store.txt");
    Files.writeString(secret, "hunter2-" + System.nanoTime() + " is the root password\n");
    Path pepper = tmp.resolve("pepper");
    Files.writeString(pepper, "p".repeat(40));
    HttpResponse<String> r =
        call(
            "POST",
            "/config/validate",
            TOKEN,
            "server: {port: 0}\nupstream: {url: \"http://127.0.0.1:1\"}\nfilters:\n"
                + "  - id: authenticate\n    api-keys: {store: \""
                + secret.toString().replace("\\", "/")
                + "\", pepper: \"${secret:file:"
                + pepper.toString().replace("\\", "/")
                + "}\"}\n");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("api-keys.store").doesNotContain("hunter2");
  }
}
