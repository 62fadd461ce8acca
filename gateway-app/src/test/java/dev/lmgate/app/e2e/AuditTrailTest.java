package dev.lmgate.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.sun.net.httpserver.HttpServer;
import dev.lmgate.app.Gateway;
import dev.lmgate.app.config.AuditSettings;
import dev.lmgate.app.config.ConfigLoader;
import dev.lmgate.app.config.GatewayConfig;
import dev.lmgate.audit.AuditTrail;
import dev.lmgate.audit.checkpoint.SigningKey;
import dev.lmgate.audit.crypto.MasterKey;
import dev.lmgate.audit.crypto.PeriodKeys;
import dev.lmgate.audit.log.LogReader;
import dev.lmgate.audit.log.SegmentFile;
import dev.lmgate.audit.verify.AuditVerifier;
import dev.lmgate.simulator.Fixtures;
import dev.lmgate.simulator.LmStudioSimulator;
import dev.lmgate.simulator.LmStudioSimulator.Scripted;
import dev.lmgate.testkit.Eventually;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit trail through a real gateway: what gets recorded, when, and what it does on failure.
 */
class AuditTrailTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static LmStudioSimulator sim;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  @TempDir Path tmp;

  @BeforeAll
  static void startSimulator() throws Exception {
    sim = new LmStudioSimulator(Fixtures.locate());
    sim.start(0);
  }

  @AfterAll
  static void stopSimulator() {
    sim.close();
  }

  @BeforeEach
  void reset() {
    sim.clearScripts();
  }

  String yaml(String filters, String audit) {
    return "server:\n  port: 0\n  access-log: false\nadmin:\n  enabled: false\nupstream:\n  url: "
        + sim.baseUrl()
        + "\n"
        + filters
        + "audit:\n  dir: "
        + tmp.resolve("log")
        + "\n  signing-key: "
        + tmp.resolve("signing.key")
        + "\n  master-key: file:"
        + tmp.resolve("master.key")
        + "\n"
        + audit;
  }

  Gateway start(String yaml, Map<String, String> env) throws Exception {
    ConfigLoader loader = new ConfigLoader(env::get);
    return new Gateway(loader.parse(yaml), null, loader, s -> {}).start();
  }

  HttpResponse<String> chat(Gateway gw, String body, String... headers) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(
                java.net.URI.create(
                    "http://127.0.0.1:" + gw.address().getPort() + "/v1/chat/completions"))
            .timeout(Duration.ofSeconds(10))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  List<JsonNode> records() throws IOException {
    return LogReader.read(tmp.resolve("log/segments")).entries().stream()
        .map(LogReader.Entry::json)
        .toList();
  }

  JsonNode recordOf(String requestId) throws IOException {
    return records().stream()
        .filter(r -> "exchange".equals(r.path("kind").asText()))
        .filter(r -> requestId.equals(r.path("request_id").asText()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no record of " + requestId));
  }

  AuditVerifier.Report verify() throws IOException {
    return AuditVerifier.verify(
        tmp.resolve("log/segments"),
        tmp.resolve("log/checkpoints"),
        SigningKey.load(tmp.resolve("signing.key")).verifier());
  }

  static final String CHAT =
      "{\"model\":\"qwen/qwen3-4b-2507\",\"messages\":[{\"role\":\"user\",\"content\":\"My card is 4111 1111 1111 1111, mail ann@example.org\"}]}";

  @Test
  void strictModeHasTheRecordOnDiskBeforeTheAnswerArrivesAndTheLogVerifies() throws Exception {
    try (Gateway gw = start(yaml("", "  mode: strict\n  payloads: encrypted\n"), Map.of())) {
      HttpResponse<String> r = chat(gw, CHAT);
      assertThat(r.statusCode()).isEqualTo(200);
      String id = r.headers().firstValue("x-request-id").orElseThrow();
      JsonNode rec = recordOf(id); // read at once: strict released the answer after the fsync
      assertThat(rec.path("decision").asText()).isEqualTo("forwarded");
      assertThat(rec.path("status").asInt()).isEqualTo(200);
      assertThat(rec.path("model").asText()).isEqualTo("qwen/qwen3-4b-2507");
      assertThat(rec.path("usage").path("output").asLong()).isPositive();
      assertThat(rec.toString()).doesNotContain("ann@example.org").doesNotContain("4111");

      // The official OpenAI SDK, streaming and not, through the same gateway.
      OpenAIClient client =
          OpenAIOkHttpClient.builder()
              .baseUrl("http://127.0.0.1:" + gw.address().getPort() + "/v1")
              .apiKey("unused")
              .build();
      ChatCompletion c =
          client
              .chat()
              .completions()
              .create(
                  ChatCompletionCreateParams.builder()
                      .model("qwen/qwen3-4b-2507")
                      .addUserMessage("Hello")
                      .build());
      String sdkAnswer = c.choices().get(0).message().content().orElseThrow();
      StringBuilder streamed = new StringBuilder();
      try (var s =
          client
              .chat()
              .completions()
              .createStreaming(
                  ChatCompletionCreateParams.builder()
                      .model("qwen/qwen3-4b-2507")
                      .addUserMessage("Hello again")
                      .build())) {
        s.stream()
            .forEach(
                ch -> ch.choices().forEach(x -> x.delta().content().ifPresent(streamed::append)));
      }
      List<JsonNode> exchanges =
          records().stream().filter(x -> "exchange".equals(x.path("kind").asText())).toList();
      assertThat(exchanges).hasSize(3);
      PeriodKeys keys =
          new PeriodKeys(
              tmp.resolve("log/keys"), MasterKey.fromFile(tmp.resolve("master.key"), false));
      JsonNode prompt = open(keys, rec, "prompt");
      assertThat(prompt.path("messages").get(0).path("text").asText()).contains("ann@example.org");
      assertThat(
              open(keys, exchanges.get(1), "response").path("outputs").get(0).path("text").asText())
          .isEqualTo(sdkAnswer);
      JsonNode last = exchanges.get(2);
      assertThat(last.path("stream").asBoolean()).isTrue();
      assertThat(open(keys, last, "response").path("outputs").get(0).path("text").asText())
          .isEqualTo(streamed.toString());
    }
    AuditVerifier.Report v = verify();
    assertThat(v.problem()).isNull();
    assertThat(v.unsigned()).isZero(); // closing signed a final checkpoint
    assertThat(PosixMode.of(tmp.resolve("log/segments"))).isEqualTo("rwx------");
  }

  static JsonNode open(PeriodKeys keys, JsonNode rec, String field) throws Exception {
    return JSON.readTree(
        keys.open(rec.path("request_id").asText() + "/" + field, rec.path(field)).orElseThrow());
  }

  static final String HEAD =
      "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
          + "\"choices\":[{\"index\":0,\"delta\":";

  static String content(String text) {
    return HEAD + "{\"content\":\"" + text + "\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n";
  }

  @Test
  void aStreamedBlockedExchangeIsRecordedBlockedWithTheTextTheClientReceived() throws Exception {
    String filters =
        """
        filters:
          - id: output-patterns
            rules:
              - name: launch-code
                pattern: 'LAUNCH-[0-9]{4}'
                max-length: 16
        """;
    sim.script(
        "/v1/chat/completions",
        Scripted.sse(
            5,
            content("Here is a long preamble that the guard can safely release early. "),
            content("Then, for ann@example.org, the code is LAU"),
            content("NCH-1234 and more"),
            HEAD + "{},\"logprobs\":null,\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n"));
    try (Gateway gw = start(yaml(filters, "  payloads: redacted\n"), Map.of())) {
      HttpResponse<String> r =
          chat(
              gw,
              "{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"code for ann@example.org?\"}]}");
      assertThat(r.statusCode()).isEqualTo(200);
      StringBuilder received = new StringBuilder();
      for (String line : r.body().split("\n")) {
        if (line.startsWith("data: {")) {
          JsonNode d = JSON.readTree(line.substring(6));
          d.path("choices")
              .forEach(ch -> received.append(ch.path("delta").path("content").asText("")));
        }
      }
      assertThat(received.toString()).doesNotContain("LAUNCH").isNotEmpty();
      String id = r.headers().firstValue("x-request-id").orElseThrow();
      Eventually.within(
          Duration.ofSeconds(5),
          () -> {
            try {
              return records().stream().anyMatch(x -> id.equals(x.path("request_id").asText()));
            } catch (IOException e) {
              return false;
            }
          });
      JsonNode rec = recordOf(id);
      assertThat(rec.path("decision").asText()).isEqualTo("blocked_response");
      assertThat(rec.path("class").asText()).isEqualTo("compliance");
      JsonNode block = rec.path("filters").get(rec.path("filters").size() - 1);
      assertThat(block.path("id").asText()).isEqualTo("output-patterns");
      assertThat(block.path("verdict").asText()).isEqualTo("block");
      assertThat(block.path("reason").asText()).isEqualTo("launch-code");
      String recorded = rec.path("response").path("outputs").get(0).path("text").asText();
      assertThat(recorded).isEqualTo(received.toString().replace("ann@example.org", "[EMAIL]"));
      assertThat(rec.path("prompt").path("messages").get(0).path("text").asText())
          .isEqualTo("code for [EMAIL]?");
    }
    assertThat(verify().intact()).isTrue();
  }

  @Test
  void strictModeWithholdsAnswersWhileTheLogCannotBeWrittenAndRecoversOnItsOwn() throws Exception {
    AtomicBoolean full = new AtomicBoolean();
    SegmentFile.Opener flaky =
        file -> {
          return new SegmentFile.Delegating(SegmentFile.FILES.open(file)) {
            @Override
            public void append(ByteBuffer b) throws IOException {
              if (full.get()) {
                throw new IOException("No space left on device");
              }
              super.append(b);
            }
          };
        };
    ConfigLoader loader = new ConfigLoader(k -> null);
    GatewayConfig cfg = loader.parse(yaml("", "  mode: strict\n"));
    AuditSettings a = cfg.audit();
    try (AuditTrail trail =
        a.open(
            Clock.systemUTC(),
            k -> null,
            AuditSettings.SecretSource.NONE,
            a.logSettings().withOpener(flaky))) {
      GatewayConfig noAudit = cfg.withoutAudit();
      try (Gateway gw = new Gateway(noAudit, null, loader, trail).start()) {
        assertThat(chat(gw, CHAT).statusCode()).isEqualTo(200);
        full.set(true);
        HttpResponse<String> refused = chat(gw, CHAT);
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(JSON.readTree(refused.body()).path("error").path("code").asText())
            .isEqualTo("audit_unavailable");
        assertThat(refused.headers().firstValue("retry-after")).contains("5");
        assertThat(refused.body()).doesNotContain("Hello from");
        // While the disk is full the gateway refuses before asking LM Studio.
        HttpResponse<String> again = chat(gw, CHAT);
        assertThat(again.statusCode()).isEqualTo(503);
        full.set(false);
        Eventually.within(Duration.ofSeconds(5), () -> trail.log().healthy());
        assertThat(chat(gw, CHAT).statusCode()).isEqualTo(200);
      }
    }
    List<JsonNode> recs = records();
    assertThat(recs)
        .extracting(r -> r.path("kind").asText())
        .containsExactly("exchange", "outage", "exchange");
    assertThat(verify().intact()).isTrue();
  }

  @Test
  void aBurstOfAuthenticationFailuresReachesTheWebhookSignedAndTheSiemOverSyslog()
      throws Exception {
    LinkedBlockingQueue<String[]> hooks = new LinkedBlockingQueue<>();
    java.util.concurrent.atomic.AtomicInteger deliveries =
        new java.util.concurrent.atomic.AtomicInteger();
    HttpServer hook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    hook.createContext(
        "/alerts",
        ex -> {
          byte[] body = ex.getRequestBody().readAllBytes();
          hooks.add(
              new String[] {
                new String(body, StandardCharsets.UTF_8),
                ex.getRequestHeaders().getFirst("x-lmgate-timestamp"),
                ex.getRequestHeaders().getFirst("x-lmgate-signature")
              });
          byte[] answer = "ok".getBytes(StandardCharsets.UTF_8);
          int n = deliveries.incrementAndGet();
          ex.sendResponseHeaders(n == 1 ? 500 : 200, answer.length); // the first fails: retried
          ex.getResponseBody().write(answer);
          ex.close();
        });
    hook.start();
    LinkedBlockingQueue<String> syslog = new LinkedBlockingQueue<>();
    ServerSocket siem = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
    Thread siemThread = receiveSyslog(siem, syslog);
    Path keys = tmp.resolve("keys.json");
    Files.writeString(tmp.resolve("hook.secret"), "s3cret-for-test\n");
    String filters = "filters:\n  - id: authenticate\n    api-keys:\n      store: " + keys + "\n";
    String audit =
        "  payloads: none\n"
            + "  export:\n    - type: syslog\n      host: 127.0.0.1\n      port: "
            + siem.getLocalPort()
            + "\n  alerts:\n    webhook: http://127.0.0.1:"
            + hook.getAddress().getPort()
            + "/alerts\n    secret: file:"
            + tmp.resolve("hook.secret")
            + "\n    auth-failures: 3\n    window: 1m\n";
    try (Gateway gw = start(yaml(filters, audit), Map.of())) {
      for (int i = 0; i < 3; i++) {
        assertThat(chat(gw, CHAT, "authorization", "Bearer lmgk_wrong").statusCode())
            .isEqualTo(401);
      }
      String[] first = hooks.poll(10, TimeUnit.SECONDS);
      String[] second = hooks.poll(10, TimeUnit.SECONDS);
      assertThat(first).isNotNull();
      assertThat(second).as("the failed delivery is retried").isNotNull();
      JsonNode alert = JSON.readTree(second[0]);
      assertThat(alert.path("alert").asText()).isEqualTo("auth_failure_burst");
      assertThat(alert.path("severity").asText()).isEqualTo("critical");
      // What a receiver does with the documented scheme (docs/audit.md), independent of the
      // gateway's code; WebhookSignatureTest pins that code to OpenSSL's answers.
      assertThat(second[2])
          .isEqualTo("sha256=" + receiverHmac("s3cret-for-test", second[1] + "." + second[0]));
      assertThat(second[2])
          .as("a wrong secret does not verify")
          .isNotEqualTo("sha256=" + receiverHmac("another-secret", second[1] + "." + second[0]));
      assertThat(second[0]).doesNotContain("lmgk_wrong");

      String msg = syslog.poll(10, TimeUnit.SECONDS);
      assertThat(msg).isNotNull().startsWith("<").contains(">1 ").contains(" lmgate - AUDIT - {");
      JsonNode ecs = JSON.readTree(msg.substring(msg.indexOf('{')));
      assertThat(ecs.path("event").path("action").asText()).isEqualTo("authentication-failed");
      assertThat(ecs.path("event").path("outcome").asText()).isEqualTo("failure");
      assertThat(ecs.path("source").path("ip").asText()).isEqualTo("127.0.0.1");
      assertThat(msg).startsWith("<132>"); // local0.warning
    } finally {
      hook.stop(0);
      siem.close();
      siemThread.join(5_000);
    }
  }

  @Test
  void revokingAKeyIsRecordedAndAlerted() throws Exception {
    LinkedBlockingQueue<String> hooks = new LinkedBlockingQueue<>();
    HttpServer hook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    hook.createContext(
        "/alerts",
        ex -> {
          hooks.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          ex.sendResponseHeaders(204, -1);
          ex.close();
        });
    hook.start();
    Path keys = tmp.resolve("keys.json");
    String id;
    try (dev.lmgate.filters.auth.FileKeyStore store =
        dev.lmgate.filters.auth.FileKeyStore.open(keys, "", false)) {
      id =
          new dev.lmgate.filters.auth.KeyAdmin(store, Clock.systemUTC())
              .create("ci", "ops", List.of("developer"), List.of(), null)
              .record()
              .id();
    }
    String filters = "filters:\n  - id: authenticate\n    api-keys:\n      store: " + keys + "\n";
    String audit =
        "  payloads: none\n  alerts:\n    webhook: http://127.0.0.1:"
            + hook.getAddress().getPort()
            + "/alerts\n    secret: env:HOOK_SECRET\n";
    try (Gateway gw = start(yaml(filters, audit), Map.of("HOOK_SECRET", "another-secret"))) {
      try (dev.lmgate.filters.auth.FileKeyStore store =
          dev.lmgate.filters.auth.FileKeyStore.open(keys, "", false)) {
        new dev.lmgate.filters.auth.KeyAdmin(store, Clock.systemUTC()).revoke(id);
      }
      String alert = hooks.poll(10, TimeUnit.SECONDS);
      assertThat(alert).isNotNull();
      assertThat(JSON.readTree(alert).path("alert").asText()).isEqualTo("key_revoked");
      assertThat(JSON.readTree(alert).path("summary").asText()).contains(id);
      Eventually.within(
          Duration.ofSeconds(5),
          () -> {
            try {
              return records().stream()
                  .anyMatch(r -> "key_revoked".equals(r.path("reason").asText()));
            } catch (IOException e) {
              return false;
            }
          });
      JsonNode rec =
          records().stream()
              .filter(r -> "key_revoked".equals(r.path("reason").asText()))
              .findFirst()
              .orElseThrow();
      assertThat(rec.path("type").asText()).isEqualTo("credential_changed");
      assertThat(rec.path("principal").asText()).isEqualTo("key:" + id);
    } finally {
      hook.stop(0);
    }
  }

  /**
   * Accepts one connection on {@code server} and queues each RFC 6587 octet-counted frame ("LEN
   * MSG"); the thread ends when the connection closes.
   */
  static Thread receiveSyslog(ServerSocket server, LinkedBlockingQueue<String> frames) {
    Thread t =
        new Thread(
            () -> {
              try (Socket s = server.accept();
                  java.io.InputStream in = s.getInputStream()) {
                while (true) {
                  StringBuilder len = new StringBuilder();
                  int c;
                  while ((c = in.read()) != ' ') {
                    if (c < 0) {
                      return;
                    }
                    len.append((char) c);
                  }
                  frames.add(
                      new String(
                          in.readNBytes(Integer.parseInt(len.toString())), StandardCharsets.UTF_8));
                }
              } catch (IOException e) {
                // closed
              }
            });
    t.start();
    return t;
  }

  @Test
  void syslogOverTlsTrustsTheConfiguredCa() throws Exception {
    dev.lmgate.testkit.TestCertificates.SelfSigned cert =
        dev.lmgate.testkit.TestCertificates.selfSigned(tmp, "siem");
    Path ks = cert.keyStore();
    Path pem = cert.certificatePem();
    String pass = cert.password();
    java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
    try (var in = Files.newInputStream(ks)) {
      store.load(in, pass.toCharArray());
    }
    javax.net.ssl.KeyManagerFactory kmf =
        javax.net.ssl.KeyManagerFactory.getInstance(
            javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(store, pass.toCharArray());
    javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), null, null);
    LinkedBlockingQueue<String> frames = new LinkedBlockingQueue<>();
    try (ServerSocket siem =
        ctx.getServerSocketFactory()
            .createServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      Thread receiver = receiveSyslog(siem, frames);
      String audit =
          "  payloads: none\n  export:\n    - type: syslog\n      host: 127.0.0.1\n      port: "
              + siem.getLocalPort()
              + "\n      tls: true\n      ca-file: "
              + pem
              + "\n";
      try (Gateway gw = start(yaml("", audit), Map.of())) {
        String id = chat(gw, CHAT).headers().firstValue("x-request-id").orElseThrow();
        String msg = frames.poll(10, TimeUnit.SECONDS);
        assertThat(msg).isNotNull().startsWith("<134>1 "); // local0.info
        JsonNode ecs = JSON.readTree(msg.substring(msg.indexOf('{')));
        assertThat(ecs.path("event").path("id").asText()).isEqualTo(id);
        assertThat(ecs.path("http").path("response").path("status_code").asInt()).isEqualTo(200);
      }
      receiver.join(5_000);
    }
  }

  /** POSIX permissions as text. */
  static final class PosixMode {
    static String of(Path p) throws IOException {
      return java.nio.file.attribute.PosixFilePermissions.toString(
          Files.getPosixFilePermissions(p));
    }
  }

  /** HMAC-SHA256 as a webhook receiver computes it, with the JDK's Mac, in lowercase hex. */
  static String receiverHmac(String secret, String signed) throws Exception {
    javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
    mac.init(
        new javax.crypto.spec.SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return java.util.HexFormat.of().formatHex(mac.doFinal(signed.getBytes(StandardCharsets.UTF_8)));
  }
}
