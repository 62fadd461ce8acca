package dev.lmgate.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lmgate.simulator.LmStudioSimulator.Scripted;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The stream guard's promise at its edge: a value the output guards catch is never released, in
 * whatever position the model's events split it — and the TCP chunks that carry those events split
 * them again, inside UTF-8 characters too. For every built-in secret type (with {@code secrets:
 * block} as shipped, and {@code secrets: redact}), for both {@code output-patterns} rules of the
 * shipped config (as shipped, and with their actions swapped) and for the canary, a stream is sent
 * split at every character position inside the value, through a real gateway running {@code
 * config/gateway.yaml} (rate limits raised: the test sends thousands of requests as one caller).
 *
 * <p>Blocked: what the client got is a prefix of the answer that ends before the value. Redacted:
 * the client got the answer with the value replaced, and nothing else changed.
 */
class StreamBoundaryTest {
  private static final String[] RAISED_LIMITS = {
    "requests: 120/1m", "requests: 1000000/1m", "tokens: 500000/1h", "tokens: 1000000000/1h"
  };

  @RegisterExtension
  static final ShippedGateway shipped = ShippedGateway.editedAs(RAISED_LIMITS, "dev");

  @RegisterExtension
  static final ShippedGateway secretsRedacted =
      ShippedGateway.editedAs(
          concat(
              RAISED_LIMITS,
              "      types:\n        secrets: block",
              "      types:\n        secrets: redact",
              "        pattern: '-----BEGIN [A-Z ]*PRIVATE KEY-----'\n",
              "        pattern: '-----BEGIN [A-Z ]*PRIVATE KEY-----'\n        action: redact\n"),
          "dev");

  /** sensitive-data lets secrets through in answers: the rules alone, as shipped. */
  @RegisterExtension
  static final ShippedGateway rulesAsShipped =
      ShippedGateway.editedAs(
          concat(
              RAISED_LIMITS,
              "      types:\n        secrets: block",
              "      types:\n        secrets: allow"),
          "dev");

  /** The rules alone with their actions swapped: the private key redacted, the AWS id blocked. */
  @RegisterExtension
  static final ShippedGateway rulesSwapped =
      ShippedGateway.editedAs(
          concat(
              RAISED_LIMITS,
              "      types:\n        secrets: block",
              "      types:\n        secrets: allow",
              "        pattern: '-----BEGIN [A-Z ]*PRIVATE KEY-----'\n",
              "        pattern: '-----BEGIN [A-Z ]*PRIVATE KEY-----'\n        action: redact\n",
              "        action: redact\n        replacement: '[REDACTED:aws-key]'",
              "        action: block\n        replacement: '[REDACTED:aws-key]'"),
          "dev");

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> REPLACEMENTS =
      Set.of("[SECRET]", "[REDACTED]", "[REDACTED:aws-key]");
  private static final String BEFORE = "Voilà — here it is: ";
  private static final String AFTER = " ← ✓ done, ünïcode 😀 ok.";

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  /** A value to plant: {@code context} may be released, {@code value} never. */
  record Planted(String type, String context, String value) {
    @Override
    public String toString() {
      return type;
    }
  }

  /** One sample of every built-in secret type, made up here (random, of the real shape). */
  static Stream<Planted> secrets() {
    Random r = new Random(18);
    String b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    String url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    String alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    String pem =
        "-----BEGIN RSA PRIVATE KEY-----\n"
            + random(r, b64, 64)
            + "\n"
            + random(r, b64, 64)
            + "\n"
            + random(r, b64, 40)
            + "==\n-----END RSA PRIVATE KEY-----";
    return Stream.of(
        new Planted("PRIVATE_KEY", "", pem),
        new Planted(
            "JWT",
            "",
            "eyJ" + random(r, url, 20) + ".eyJ" + random(r, url, 30) + "." + random(r, url, 43)),
        new Planted("GITHUB_FINE_GRAINED_PAT", "", "github_pat_" + random(r, alnum + "_", 82)),
        new Planted("GITHUB_TOKEN", "", "ghp_" + random(r, alnum, 36)),
        new Planted("ANTHROPIC_API_KEY", "", "sk-ant-api03-" + random(r, url, 93)),
        new Planted("OPENAI_API_KEY", "", "sk-proj-" + random(r, url, 48)),
        new Planted(
            "SLACK_TOKEN", "", "xoxb-" + random(r, "0123456789", 12) + "-" + random(r, alnum, 24)),
        new Planted("STRIPE_SECRET_KEY", "", "sk_live_" + random(r, alnum, 24)),
        new Planted("GOOGLE_API_KEY", "", "AIza" + random(r, url, 35)),
        new Planted("HUGGINGFACE_TOKEN", "", "hf_" + random(r, alnum.substring(0, 52), 34)),
        new Planted(
            "AWS_ACCESS_KEY_ID", "", "AKIA" + random(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)),
        new Planted(
            "AWS_SECRET_ACCESS_KEY", "aws_secret_access_key = ", random(r, alnum + "/+", 40)),
        new Planted("LMGATE_API_KEY", "", "lmgk_" + random(r, alnum, 32)),
        new Planted("BEARER_TOKEN", "Authorization: Bearer ", random(r, alnum, 40)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("secrets")
  void aSecretIsBlockedWhereverTheStreamSplitsIt(Planted p) throws Exception {
    assertEverySplit(shipped, p, true);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("secrets")
  void aSecretIsRedactedWhereverTheStreamSplitsIt(Planted p) throws Exception {
    assertEverySplit(secretsRedacted, p, false);
  }

  @Test
  void theShippedRulesCatchTheirMatchWhereverTheStreamSplitsIt() throws Exception {
    Planted header = new Planted("private-key rule", "", "-----BEGIN RSA PRIVATE KEY-----");
    Planted awsId = new Planted("aws-access-key-id rule", "", "AKIAQRSTUVWXYZ234567");
    assertEverySplit(rulesAsShipped, header, true);
    assertEverySplit(rulesAsShipped, awsId, false);
    assertEverySplit(rulesSwapped, header, false);
    assertEverySplit(rulesSwapped, awsId, true);
  }

  @Test
  void theCanaryIsBlockedWhereverTheStreamSplitsIt() throws Exception {
    Pattern canary = Pattern.compile("lmgate-canary-[0-9a-f]{16}");
    List<String> failures = new ArrayList<>();
    int splits = 0;
    for (int k = 1; k < "lmgate-canary-".length() + 16; k++) {
      int split = k;
      shipped
          .simulator()
          .respond(
              "/v1/chat/completions",
              req -> {
                Matcher m = canary.matcher(req.bodyText());
                String planted = m.find() ? m.group() : "lmgate-canary-missing";
                return script(BEFORE + planted + AFTER, BEFORE.length() + split);
              });
      Delivered got = deliveredContent(shipped);
      splits++;
      // nothing of the canary, nothing after it, and the client is told why the answer stopped
      if (!BEFORE.startsWith(got.content()) || !got.finishReason().equals("content_filter")) {
        failures.add("split at " + k + ": client got " + got);
      }
    }
    shipped.simulator().clearScripts();
    assertThat(failures).as("%d splits of the canary", splits).isEmpty();
  }

  /**
   * Streams {@code context + value} inside an ordinary answer, split in two events at every
   * position inside the value and at its edges, and checks what the client got each time.
   */
  private void assertEverySplit(ShippedGateway gw, Planted p, boolean blocked) throws Exception {
    String text = BEFORE + p.context() + p.value() + AFTER;
    int start = BEFORE.length() + p.context().length();
    int end = start + p.value().length();
    List<String> failures = new ArrayList<>();
    for (int k = start; k <= end; k++) {
      int split = k;
      gw.simulator().respond("/v1/chat/completions", req -> script(text, split));
      Delivered delivered = deliveredContent(gw);
      String got = delivered.content();
      if (blocked) {
        if (!text.startsWith(got)
            || got.length() > start
            || !delivered.finishReason().equals("content_filter")) {
          failures.add(
              "split at "
                  + (k - start)
                  + ": client got …"
                  + tail(got)
                  + " ending "
                  + delivered.finishReason());
        }
      } else {
        String head = text.substring(0, start);
        String rest = text.substring(end);
        boolean ok =
            got.startsWith(head)
                && got.endsWith(rest)
                && got.length() >= head.length() + rest.length()
                && REPLACEMENTS.contains(
                    got.substring(head.length(), got.length() - rest.length()));
        if (!ok) {
          failures.add("split at " + (k - start) + ": client got …" + tail(got));
        }
      }
    }
    gw.simulator().clearScripts();
    assertThat(failures)
        .as("%s %s at %d split positions", p.type(), blocked ? "blocked" : "redacted", end - start)
        .isEmpty();
  }

  private static String tail(String s) {
    return s.length() > 80 ? s.substring(s.length() - 80) : s;
  }

  /**
   * The stream of an answer split into two content events at {@code split}, written in TCP chunks
   * cut at every event boundary and once inside each content event, at an offset that moves with
   * {@code split} (so, across splits, inside UTF-8 characters too).
   */
  private static Scripted script(String text, int split) {
    List<byte[]> events = new ArrayList<>();
    events.add(chunk(JSON.createObjectNode().put("role", "assistant").put("content", ""), null));
    events.add(chunk(JSON.createObjectNode().put("content", text.substring(0, split)), null));
    events.add(chunk(JSON.createObjectNode().put("content", text.substring(split)), null));
    events.add(chunk(JSON.createObjectNode(), "stop"));
    events.add("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
    List<byte[]> pieces = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      byte[] e = events.get(i);
      if (i == 1 || i == 2) {
        int cut = 1 + Math.floorMod(split * 7 + i, e.length - 1);
        pieces.add(Arrays.copyOfRange(e, 0, cut));
        pieces.add(Arrays.copyOfRange(e, cut, e.length));
      } else {
        pieces.add(e);
      }
    }
    return new Scripted(200, "text/event-stream", pieces, 1);
  }

  private static byte[] chunk(ObjectNode delta, String finish) {
    ObjectNode c = JSON.createObjectNode();
    c.put("id", "chatcmpl-split").put("object", "chat.completion.chunk").put("created", 1);
    c.put("model", "qwen/qwen3-4b-2507");
    ObjectNode choice = c.putArray("choices").addObject();
    choice.put("index", 0).set("delta", delta);
    if (finish == null) {
      choice.putNull("finish_reason");
    } else {
      choice.put("finish_reason", finish);
    }
    return ("data: " + c + "\n\n").getBytes(StandardCharsets.UTF_8);
  }

  /** Sends a streamed chat request and returns the content the client received. */
  /** What a client read from a stream: the content, and the last finish reason given. */
  private record Delivered(String content, String finishReason) {}

  private Delivered deliveredContent(ShippedGateway gw) throws Exception {
    HttpResponse<byte[]> r =
        http.send(
            HttpRequest.newBuilder(gw.url("/v1/chat/completions"))
                .timeout(Duration.ofSeconds(20))
                .header("content-type", "application/json")
                .header("authorization", "Bearer " + gw.key("dev"))
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"qwen/qwen3-4b-2507\",\"stream\":true,\"messages\":"
                            + "[{\"role\":\"user\",\"content\":\"Show me the value.\"}]}"))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(200);
    ByteArrayOutputStream content = new ByteArrayOutputStream();
    String finish = "";
    for (String event : new String(r.body(), StandardCharsets.UTF_8).split("\n\n")) {
      if (!event.startsWith("data: ") || event.equals("data: [DONE]")) {
        continue;
      }
      JsonNode choice = JSON.readTree(event.substring(6)).path("choices").path(0);
      content.writeBytes(
          choice.path("delta").path("content").asText("").getBytes(StandardCharsets.UTF_8));
      if (choice.path("finish_reason").isTextual()) {
        finish = choice.path("finish_reason").asText();
      }
    }
    return new Delivered(content.toString(StandardCharsets.UTF_8), finish);
  }

  private static String random(Random r, String alphabet, int n) {
    StringBuilder sb = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
    }
    return sb.toString();
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
