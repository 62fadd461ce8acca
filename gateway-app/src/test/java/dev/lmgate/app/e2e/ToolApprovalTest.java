package dev.lmgate.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.FunctionDefinition;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import dev.lmgate.app.Gateway;
import dev.lmgate.app.config.ConfigLoader;
import dev.lmgate.simulator.Fixtures;
import dev.lmgate.simulator.LmStudioSimulator;
import dev.lmgate.spi.SecurityEvent;
import dev.lmgate.testkit.Eventually;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Human approval of a sensitive tool call, end to end: the official OpenAI Java SDK waits for its
 * answer while a second client approves (or denies) through the admin API.
 */
class ToolApprovalTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String TOKEN = "admin-token-" + System.nanoTime();
  LmStudioSimulator sim;
  Gateway gw;
  final List<SecurityEvent> events = new CopyOnWriteArrayList<>();
  final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    sim = new LmStudioSimulator(Fixtures.locate());
    sim.start(0);
    ConfigLoader loader = new ConfigLoader(k -> "ADMIN_TOKEN".equals(k) ? TOKEN : null);
    loader.environment().attach(events::add);
    String yaml =
        "server:\n  port: 0\n  access-log: false\nadmin:\n  port: 0\n  token: ${secret:env:ADMIN_TOKEN}\n"
            + "upstream:\n  url: "
            + sim.baseUrl()
            + "\nfilters:\n  - id: tool-approval\n    tools: [get_delivery_*, get_current_weather]\n    wait: 20s\n"
            + "    timeout: 30s\n";
    gw = new Gateway(loader.parse(yaml), null, loader, s -> {}).start();
  }

  @AfterEach
  void stop() {
    gw.close();
    sim.close();
  }

  ChatCompletionCreateParams askWithTool() {
    return ChatCompletionCreateParams.builder()
        .model("qwen/qwen3-4b-2507")
        .addUserMessage("When will order A-10442 arrive?")
        .addTool(
            ChatCompletionFunctionTool.builder()
                .function(FunctionDefinition.builder().name("get_delivery_date").build())
                .build())
        .build();
  }

  OpenAIClient sdk() {
    return OpenAIOkHttpClient.builder()
        .baseUrl("http://127.0.0.1:" + gw.address().getPort() + "/v1")
        .apiKey("unused")
        .timeout(Duration.ofSeconds(30))
        .maxRetries(0)
        .build();
  }

  HttpResponse<String> admin(String method, String path, String token) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.adminAddress().getPort() + path))
            .timeout(Duration.ofSeconds(5));
    if (token != null) {
      b.header("authorization", "Bearer " + token);
    }
    b.method(method, HttpRequest.BodyPublishers.noBody());
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The one pending approval, once it appears (the admin API lists it). */
  JsonNode pendingApproval() throws Exception {
    JsonNode[] seen = new JsonNode[1];
    boolean appeared =
        Eventually.within(
            Duration.ofSeconds(5),
            () -> {
              try {
                seen[0] = JSON.readTree(admin("GET", "/approvals", TOKEN).body()).path("approvals");
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
              return seen[0].size() == 1;
            });
    assertThat(appeared).as("one pending approval, listed: %s", seen[0]).isTrue();
    return seen[0].get(0);
  }

  /** The id of the one pending approval, a call of get_delivery_date for order A-10442. */
  String pendingId() throws Exception {
    JsonNode approval = pendingApproval();
    assertThat(approval.path("tool").asText()).isEqualTo("get_delivery_date");
    assertThat(approval.path("arguments").asText()).isEqualTo("{\"order_id\":\"A-10442\"}");
    return approval.path("id").asText();
  }

  @Test
  void theSdkWaitsUntilASecondClientApprovesThenGetsTheCallUnchanged() throws Exception {
    CompletableFuture<ChatCompletion> answer =
        CompletableFuture.supplyAsync(() -> sdk().chat().completions().create(askWithTool()));
    String id = pendingId();
    assertThat(answer).isNotDone();
    assertThat(admin("GET", "/approvals", null).statusCode()).isEqualTo(401);
    assertThat(admin("GET", "/approvals", "wrong").statusCode()).isEqualTo(401);
    HttpResponse<String> ok = admin("POST", "/approvals/" + id + "/approve", TOKEN);
    assertThat(ok.statusCode()).isEqualTo(200);
    ChatCompletion c = answer.get(20, TimeUnit.SECONDS);
    assertThat(
            c.choices()
                .get(0)
                .message()
                .toolCalls()
                .orElseThrow()
                .get(0)
                .asFunction()
                .function()
                .name())
        .isEqualTo("get_delivery_date");
    assertThat(admin("POST", "/approvals/" + id + "/approve", TOKEN).statusCode())
        .as("decided once")
        .isEqualTo(404);
    assertThat(events)
        .filteredOn(e -> e.type() == SecurityEvent.Type.TOOL_APPROVAL)
        .extracting(SecurityEvent::reason)
        .containsExactly("requested", "approved");
  }

  @Test
  void aDeniedCallIsTakenOutAndTheAnswerSaysWhy(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
    CompletableFuture<ChatCompletion> answer =
        CompletableFuture.supplyAsync(() -> sdk().chat().completions().create(askWithTool()));
    String id = pendingId();
    java.nio.file.Path tokenFile = tmp.resolve("token");
    java.nio.file.Files.writeString(tokenFile, TOKEN);
    String adminUrl = "http://127.0.0.1:" + gw.adminAddress().getPort();
    dev.lmgate.app.cli.KeysCommandTest.Run listed =
        dev.lmgate.app.cli.KeysCommandTest.lmgate(
            "approvals", "list", "--admin", adminUrl, "--token-file", tokenFile.toString());
    assertThat(listed.out()).contains(id).contains("get_delivery_date");
    dev.lmgate.app.cli.KeysCommandTest.Run denied =
        dev.lmgate.app.cli.KeysCommandTest.lmgate(
            "approvals", "deny", id, "--admin", adminUrl, "--token-file", tokenFile.toString());
    assertThat(denied.code()).isZero();
    assertThat(denied.out()).contains(id + ": denied");
    ChatCompletion c = answer.get(20, TimeUnit.SECONDS);
    assertThat(c.choices().get(0).message().toolCalls()).isEmpty();
    assertThat(c.choices().get(0).message().content().orElseThrow())
        .contains("did not run get_delivery_date");
    assertThat(c.choices().get(0).finishReason().asString()).isEqualTo("stop");
    assertThat(events)
        .filteredOn(e -> e.type() == SecurityEvent.Type.TOOL_APPROVAL)
        .extracting(SecurityEvent::reason)
        .containsExactly("requested", "denied");
  }

  ChatCompletionCreateParams askWithWeatherTool() {
    return ChatCompletionCreateParams.builder()
        .model("qwen/qwen3-4b-2507")
        .addUserMessage("What is the weather in Lisbon?")
        .addTool(
            ChatCompletionFunctionTool.builder()
                .function(FunctionDefinition.builder().name("get_current_weather").build())
                .build())
        .build();
  }

  /** Streams with the SDK; returns the chunks in order. */
  List<ChatCompletionChunk> streamed(ChatCompletionCreateParams params) {
    try (StreamResponse<ChatCompletionChunk> s =
        sdk().chat().completions().createStreaming(params)) {
      return s.stream().toList();
    }
  }

  @Test
  void aStreamIsHeldWholeUntilApprovedThenArrivesUnchanged() throws Exception {
    CompletableFuture<List<ChatCompletionChunk>> chunks =
        CompletableFuture.supplyAsync(() -> streamed(askWithWeatherTool()));
    JsonNode approval = pendingApproval();
    assertThat(approval.path("tool").asText()).isEqualTo("get_current_weather");
    String id = approval.path("id").asText();
    assertThat(chunks).isNotDone();
    assertThat(admin("POST", "/approvals/" + id + "/approve", TOKEN).statusCode()).isEqualTo(200);
    List<ChatCompletionChunk> got = chunks.get(20, TimeUnit.SECONDS);
    assertThat(
            got.stream()
                .flatMap(c -> c.choices().stream())
                .flatMap(c -> c.delta().toolCalls().orElse(List.of()).stream())
                .flatMap(t -> t.function().flatMap(f -> f.name()).stream())
                .toList())
        .containsExactly("get_current_weather");
    assertThat(got.get(got.size() - 1).choices().get(0).finishReason().orElseThrow().asString())
        .isEqualTo("tool_calls");
  }

  @Test
  void aDeniedStreamedCallNeverReachesTheClientAndTheStreamSaysWhy() throws Exception {
    CompletableFuture<List<ChatCompletionChunk>> chunks =
        CompletableFuture.supplyAsync(() -> streamed(askWithWeatherTool()));
    String id = pendingApproval().path("id").asText();
    assertThat(admin("POST", "/approvals/" + id + "/deny", TOKEN).statusCode()).isEqualTo(200);
    List<ChatCompletionChunk> got = chunks.get(20, TimeUnit.SECONDS);
    assertThat(got.stream().flatMap(c -> c.choices().stream()))
        .allSatisfy(c -> assertThat(c.delta().toolCalls().orElse(List.of())).isEmpty());
    String text =
        got.stream()
            .flatMap(c -> c.choices().stream())
            .flatMap(c -> c.delta().content().stream())
            .reduce("", String::concat);
    assertThat(text).contains("did not run get_current_weather");
    assertThat(got.get(got.size() - 1).choices().get(0).finishReason().orElseThrow().asString())
        .isEqualTo("content_filter");
    assertThat(events)
        .filteredOn(e -> e.type() == SecurityEvent.Type.TOOL_APPROVAL)
        .extracting(SecurityEvent::reason)
        .containsExactly("requested", "denied");
  }

  /**
   * Whole answers of the Messages and Responses APIs, and a chat call whose arguments the model
   * wrote as an object: before, only chat calls with string arguments were held, so these reached
   * the client without anyone's approval.
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource(
      delimiter = '|',
      value = {
        "/v1/messages|{\"type\":\"message\",\"role\":\"assistant\",\"stop_reason\":\"tool_use\","
            + "\"content\":[{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":\"get_delivery_date\","
            + "\"input\":{\"order_id\":\"A-10442\"}}]}|tool_use|/stop_reason|end_turn",
        "/v1/responses|{\"object\":\"response\",\"status\":\"completed\",\"output\":["
            + "{\"type\":\"function_call\",\"call_id\":\"c1\",\"name\":\"get_delivery_date\","
            + "\"arguments\":\"{\\\"order_id\\\":\\\"A-10442\\\"}\"}]}|function_call|/output/0/type|message",
        "/v1/chat/completions|{\"object\":\"chat.completion\",\"choices\":[{\"index\":0,"
            + "\"finish_reason\":\"tool_calls\",\"message\":{\"role\":\"assistant\",\"content\":null,"
            + "\"tool_calls\":[{\"id\":\"1\",\"type\":\"function\",\"function\":{\"name\":"
            + "\"get_delivery_date\",\"arguments\":{\"order_id\":\"A-10442\"}}}]}}]}"
            + "|tool_calls|/choices/0/finish_reason|stop"
      })
  void aWholeAnswerOfEveryToolApiIsHeldAndADeniedCallWithdrawn(
      String path, String answer, String callField, String endField, String endsAs)
      throws Exception {
    sim.script(path, LmStudioSimulator.Scripted.json(200, answer));
    CompletableFuture<HttpResponse<String>> response =
        http.sendAsync(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.address().getPort() + path))
                .header("content-type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"m\",\"max_tokens\":64,\"input\":\"When will A-10442"
                            + " arrive?\",\"messages\":[{\"role\":\"user\",\"content\":\"When"
                            + " will A-10442 arrive?\"}],\"tools\":[{\"name\":\"get_delivery_date\","
                            + "\"type\":\"function\",\"input_schema\":{\"type\":\"object\"}}]}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    String id = pendingId();
    assertThat(response).as("held until a person decides").isNotDone();
    assertThat(admin("POST", "/approvals/" + id + "/deny", TOKEN).statusCode()).isEqualTo(200);
    HttpResponse<String> r = response.get(20, TimeUnit.SECONDS);
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode body = JSON.readTree(r.body());
    assertThat(r.body()).doesNotContain("A-10442").contains("did not run get_delivery_date");
    assertThat(r.body()).doesNotContain("\"" + callField + "\"");
    assertThat(body.at(endField).asText()).isEqualTo(endsAs);
  }

  @Test
  void aStreamTheClientDidNotAskForIsHeldToo() throws Exception {
    // LM Studio, not the client, decides the answer's shape: a non-streamed request answered
    // with a stream must not slip its call past the approval
    sim.script(
        "/v1/chat/completions",
        LmStudioSimulator.Scripted.sse(
            0,
            new String(
                Fixtures.locate().bytes("chat-completion-stream-tool-call.sse"),
                java.nio.charset.StandardCharsets.UTF_8)));
    CompletableFuture<HttpResponse<String>> response =
        http.sendAsync(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:" + gw.address().getPort() + "/v1/chat/completions"))
                .header("content-type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Weather?\"}],"
                            + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":"
                            + "\"get_current_weather\"}}]}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    JsonNode approval = pendingApproval();
    assertThat(approval.path("tool").asText()).isEqualTo("get_current_weather");
    String id = approval.path("id").asText();
    assertThat(response).isNotDone();
    assertThat(admin("POST", "/approvals/" + id + "/deny", TOKEN).statusCode()).isEqualTo(200);
    String body = response.get(20, TimeUnit.SECONDS).body();
    assertThat(body).doesNotContain("\"tool_calls\"").contains("did not run get_current_weather");
  }

  @Test
  void aStreamedNativeRequestOfferingASensitiveToolIsRefusedNotLetThrough() throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + gw.address().getPort() + "/api/v1/chat"))
                .header("content-type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"m\",\"stream\":true,\"input\":\"hi\","
                            + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_delivery_date\"}}]}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(r.body()).path("error").path("code").asText())
        .isEqualTo("approval_requires_non_streaming");
  }

  @Test
  void approversAreNotifiedWithASignatureTheyCanCheck() throws Exception {
    String secret = "hook-secret-" + System.nanoTime();
    java.util.concurrent.LinkedBlockingQueue<String[]> hooks =
        new java.util.concurrent.LinkedBlockingQueue<>();
    com.sun.net.httpserver.HttpServer hook =
        com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    hook.createContext(
        "/approvals",
        ex -> {
          hooks.add(
              new String[] {
                new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8),
                ex.getRequestHeaders().getFirst("x-lmgate-timestamp"),
                ex.getRequestHeaders().getFirst("x-lmgate-signature")
              });
          ex.sendResponseHeaders(204, -1);
          ex.close();
        });
    hook.start();
    gw.close();
    ConfigLoader loader =
        new ConfigLoader(
            k -> "ADMIN_TOKEN".equals(k) ? TOKEN : "HOOK_SECRET".equals(k) ? secret : null);
    String yaml =
        "server:\n  port: 0\n  access-log: false\nadmin:\n  port: 0\n  token: ${secret:env:ADMIN_TOKEN}\n"
            + "upstream:\n  url: "
            + sim.baseUrl()
            + "\nfilters:\n  - id: tool-approval\n    tools: [get_delivery_*]\n    wait: 20s\n"
            + "    timeout: 30s\n    webhook: http://127.0.0.1:"
            + hook.getAddress().getPort()
            + "/approvals\n    secret: ${secret:env:HOOK_SECRET}\n";
    gw = new Gateway(loader.parse(yaml), null, loader, s -> {}).start();
    try {
      CompletableFuture<ChatCompletion> answer =
          CompletableFuture.supplyAsync(() -> sdk().chat().completions().create(askWithTool()));
      String id = pendingId();
      String[] n = hooks.poll(10, TimeUnit.SECONDS);
      assertThat(n).as("approvers notified").isNotNull();
      JsonNode body = JSON.readTree(n[0]);
      assertThat(body.path("type").asText()).isEqualTo("tool_approval_requested");
      assertThat(body.path("id").asText()).isEqualTo(id);
      assertThat(body.path("tool").asText()).isEqualTo("get_delivery_date");
      assertThat(n[1]).matches("[0-9]{10,}");
      // What a receiver computes from docs/output-guard.md, independent of the gateway's code.
      javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
      mac.init(
          new javax.crypto.spec.SecretKeySpec(
              secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      String expected =
          java.util.HexFormat.of()
              .formatHex(mac.doFinal((n[1] + "." + n[0]).getBytes(StandardCharsets.UTF_8)));
      assertThat(n[2]).isEqualTo("sha256=" + expected);
      assertThat(n[0]).doesNotContain(secret);
      assertThat(admin("POST", "/approvals/" + id + "/deny", TOKEN).statusCode()).isEqualTo(200);
      assertThat(answer.get(20, TimeUnit.SECONDS).choices()).isNotEmpty();
    } finally {
      hook.stop(0);
    }
  }
}
