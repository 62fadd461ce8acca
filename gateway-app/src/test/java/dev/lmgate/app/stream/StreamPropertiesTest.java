package dev.lmgate.app.stream;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lmgate.app.config.ConfigLoader;
import dev.lmgate.app.config.GatewayConfig;
import dev.lmgate.core.chain.RequestContext;
import dev.lmgate.core.chain.ResponseContext;
import dev.lmgate.core.chain.StreamPlan;
import dev.lmgate.core.dialect.StreamAdapter;
import dev.lmgate.core.json.Json;
import dev.lmgate.core.route.RouteTable;
import dev.lmgate.core.stream.StreamGuard;
import dev.lmgate.filters.auth.FileKeyStore;
import dev.lmgate.filters.output.OutputPatternFilter;
import dev.lmgate.filters.policy.PromptPolicyFilter;
import dev.lmgate.filters.sensitive.SensitiveData;
import dev.lmgate.filters.sensitive.SensitiveDataFilter;
import dev.lmgate.spi.Edit;
import dev.lmgate.spi.GatewayFilter;
import dev.lmgate.spi.Route;
import dev.lmgate.spi.Verdict;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Property tests of the output guards on streams, with the filters of {@code config/gateway.yaml}
 * (and the same file with personal data and secrets redacted or blocked in answers) driving a
 * stream guard directly, event by event:
 *
 * <ul>
 *   <li>ordinary model answers ({@code ../shared/corpus/dev/outputs.jsonl}) cut into token-like
 *       pieces flow: after every event, every event before the answer's last two words has been
 *       released — nothing is held but what could still become a match;
 *   <li>texts with planted personal data and secrets ({@code pii.jsonl}) cut at random: blocked,
 *       the client gets a prefix that ends before the first value a whole answer is refused for;
 *       redacted, the client gets exactly what the same filters make of the whole answer.
 * </ul>
 */
class StreamPropertiesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path CORPUS = Path.of("../../shared/corpus/dev");
  private static Path dir;

  @BeforeAll
  static void keyStore() throws Exception {
    dir = Files.createTempDirectory("lmgate-stream-properties");
    FileKeyStore.open(dir.resolve("keys.json"), "", false).close();
  }

  @AfterAll
  static void cleanUp() throws Exception {
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** The filters of the shipped file, with {@code from → to} applied (each must apply). */
  private static List<GatewayFilter> filters(String... replacements) throws Exception {
    String yaml = Files.readString(Path.of("../config/gateway.yaml"));
    for (int i = 0; i < replacements.length; i += 2) {
      assertThat(yaml).contains(replacements[i]);
      yaml = yaml.replace(replacements[i], replacements[i + 1]);
    }
    Path file = Files.createTempFile(dir, "gateway", ".yaml");
    Files.writeString(file, yaml);
    Map<String, String> env = dev.lmgate.app.config.StateVariables.in(dir);
    GatewayConfig cfg = new ConfigLoader(env::get).load(file);
    return cfg.filters();
  }

  /** The answer's filters in chain order. */
  private static List<GatewayFilter> outputFilters(List<GatewayFilter> all) {
    Set<String> ids = Set.of(SensitiveDataFilter.ID, PromptPolicyFilter.ID, OutputPatternFilter.ID);
    return all.stream().filter(f -> ids.contains(f.id())).toList();
  }

  private static final Route CHAT =
      ((RouteTable.Found) RouteTable.lmStudio().match("POST", "/v1/chat/completions")).route();

  private static int requests;

  /** A chat request the prompt policy has seen (so the canary is planted). */
  private static RequestContext request(List<GatewayFilter> filters) {
    String body =
        "{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    RequestContext ctx =
        new RequestContext(
            "req-" + (++requests),
            CHAT,
            "POST",
            "/v1/chat/completions",
            Map::of,
            body.length(),
            Json.parse(body.getBytes(StandardCharsets.UTF_8)).orElseThrow(),
            "127.0.0.1:40000");
    for (GatewayFilter f : filters) {
      if (f.id().equals(PromptPolicyFilter.ID)) {
        f.onRequest(ctx).toCompletableFuture().join();
      }
    }
    return ctx;
  }

  private static StreamGuard guard(List<GatewayFilter> filters, RequestContext ctx) {
    List<StreamPlan.Inspector> entries = new ArrayList<>();
    for (GatewayFilter f : filters) {
      f.streamInspector(ctx)
          .ifPresent(i -> entries.add(new StreamPlan.Inspector(f.id(), f.settings(), i)));
    }
    assertThat(entries).isNotEmpty();
    return new StreamGuard(StreamAdapter.forRoute(CHAT), entries, 1 << 20);
  }

  /** Cuts {@code text} like a tokenizer: the spaces before a word and 1 to 6 of its characters. */
  private static List<String> pieces(String text, Random r) {
    List<String> out = new ArrayList<>();
    int i = 0;
    while (i < text.length()) {
      int j = i;
      while (j < text.length() && Character.isWhitespace(text.charAt(j))) {
        j++;
      }
      int n = 1 + r.nextInt(6);
      j = Math.min(text.length(), j + n);
      if (j < text.length() && Character.isLowSurrogate(text.charAt(j))) {
        j++;
      }
      out.add(text.substring(i, j));
      i = j;
    }
    return out;
  }

  private static byte[] event(String content) {
    ObjectNode c = JSON.createObjectNode();
    c.put("id", "chatcmpl-p").put("object", "chat.completion.chunk").put("created", 1);
    ObjectNode choice = c.putArray("choices").addObject();
    choice.put("index", 0).putObject("delta").put("content", content);
    choice.putNull("finish_reason");
    return ("data: " + c + "\n\n").getBytes(StandardCharsets.UTF_8);
  }

  private static final byte[] FINISH =
      ("data: {\"id\":\"chatcmpl-p\",\"object\":\"chat.completion.chunk\",\"created\":1,"
              + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
              + "data: [DONE]\n\n")
          .getBytes(StandardCharsets.UTF_8);

  /** The content the client got from the bytes released so far. */
  private static String content(ByteArrayOutputStream released) throws Exception {
    StringBuilder sb = new StringBuilder();
    for (String ev : released.toString(StandardCharsets.UTF_8).split("\n\n")) {
      if (ev.startsWith("data: ") && !ev.equals("data: [DONE]")) {
        sb.append(
            JSON.readTree(ev.substring(6))
                .path("choices")
                .path(0)
                .path("delta")
                .path("content")
                .asText(""));
      }
    }
    return sb.toString();
  }

  private static List<String> texts(String file) throws Exception {
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(CORPUS.resolve(file))) {
      if (!line.isBlank()) {
        out.add(JSON.readTree(line).path("text").asText());
      }
    }
    return out;
  }

  /** The text before the last {@code words} whitespace-separated words (0 when fewer). */
  private static int beforeLastWords(String text, int words) {
    int i = text.length();
    for (int w = 0; w < words; w++) {
      while (i > 0 && !Character.isWhitespace(text.charAt(i - 1))) {
        i--;
      }
      if (w < words - 1) {
        while (i > 0 && Character.isWhitespace(text.charAt(i - 1))) {
          i--;
        }
      }
    }
    return i;
  }

  /** A candidate that spans spaces: a bearer token, a PEM header, an assigned key. */
  private static final Pattern SPANS_SPACES =
      Pattern.compile("(?i)(bearer\\s*\\S*|-----begin[a-z ]*|key[\"']?\\s*[:=]?\\s*\\S*)$");

  @Test
  void ordinaryAnswersFlowHoldingAtMostTheirLastWords() throws Exception {
    List<GatewayFilter> filters = outputFilters(filters());
    Random r = new Random(18);
    int events = 0;
    int heldAtEnd = 0;
    List<String> failures = new ArrayList<>();
    for (String text : texts("outputs.jsonl")) {
      RequestContext ctx = request(filters);
      StreamGuard g = guard(filters, ctx);
      ByteArrayOutputStream released = new ByteArrayOutputStream();
      StringBuilder sent = new StringBuilder();
      List<Integer> ends = new ArrayList<>();
      for (String piece : pieces(text, r)) {
        sent.append(piece);
        ends.add(sent.length());
        StreamGuard.Step s = g.onBytes(event(piece));
        released.writeBytes(s.release());
        assertThat(s.blocked()).as("an ordinary answer is not blocked").isFalse();
        events++;
        String so = sent.toString();
        if (SPANS_SPACES.matcher(so).find()) {
          continue;
        }
        int mustBeOut = 0; // the end of the last event wholly before the last two words
        int limit = beforeLastWords(so, 2);
        for (int e : ends) {
          if (e <= limit) {
            mustBeOut = e;
          }
        }
        int got = content(released).length();
        if (got < mustBeOut) {
          failures.add("held " + so.substring(got) + " (after " + so.length() + " chars)");
        }
        heldAtEnd += got < so.length() ? 1 : 0;
      }
      released.writeBytes(g.onBytes(FINISH).release());
      released.writeBytes(g.onEnd().release());
      assertThat(content(released)).isEqualTo(text);
    }
    assertThat(failures).as("of %d events", events).isEmpty();
    assertThat(heldAtEnd)
        .as("events after which something was held, of %d", events)
        .isLessThan(events / 4);
  }

  @Test
  void plantedValuesAreNeverReleasedBlockedOrRedacted() throws Exception {
    List<GatewayFilter> blocking =
        outputFilters(
            filters(
                "      types:\n        secrets: block",
                "      types:\n        secrets: block\n        personal: block"));
    List<GatewayFilter> redacting =
        outputFilters(
            filters(
                "      types:\n        secrets: block",
                "      types:\n        secrets: redact\n        personal: redact",
                "        pattern: '-----BEGIN [A-Z ]*PRIVATE KEY-----'\n",
                "        pattern: '-----BEGIN [A-Z ]*PRIVATE KEY-----'\n        action: redact\n"));
    List<String> failures = new ArrayList<>();
    int streams = 0;
    Random r = new Random(18);
    for (String text : texts("pii.jsonl")) {
      String whole = wholeAnswer(redacting, text);
      int firstValue = firstRefusedAt(text);
      for (int seed = 0; seed < 3; seed++) {
        List<String> pieces = pieces(text, r);
        String blocked = streamed(blocking, pieces);
        streams++;
        boolean ok =
            firstValue < 0
                ? blocked.equals(text)
                : text.startsWith(blocked) && blocked.length() <= firstValue;
        if (!ok) {
          failures.add("blocking: " + text + " → " + blocked);
        }
        String redacted = streamed(redacting, pieces);
        if (!masksAsOne(redacted).equals(masksAsOne(whole))) {
          failures.add("redacting: " + text + " → " + redacted + " (whole answer: " + whole + ")");
        }
      }
    }
    assertThat(failures).as("of %d streams", streams).isEmpty();
  }

  private static final Pattern MASK =
      Pattern.compile("\\[(?:SECRET|EMAIL|PHONE|CARD|IBAN|IP|SSN|ID|REDACTED(?::aws-key)?)\\]");

  /**
   * The text with every mask written the same: where two filters mask the same value, which label
   * the client sees may differ between a stream and a whole answer (the one that decided first);
   * what is masked may not.
   */
  private static String masksAsOne(String text) {
    return MASK.matcher(text).replaceAll("[MASKED]");
  }

  /** Where the first value a whole answer is refused for starts, or -1. */
  private static int firstRefusedAt(String text) {
    int first = -1;
    for (SensitiveData.Finding f : SensitiveData.find(text)) {
      first = first < 0 ? f.start() : Math.min(first, f.start());
    }
    Matcher aws = Pattern.compile("\\b(?:AKIA|ASIA)[0-9A-Z]{16}\\b").matcher(text);
    if (aws.find()) {
      first = first < 0 ? aws.start() : Math.min(first, aws.start());
    }
    Matcher pem = Pattern.compile("-----BEGIN [A-Z ]*PRIVATE KEY-----").matcher(text);
    if (pem.find()) {
      first = first < 0 ? pem.start() : Math.min(first, pem.start());
    }
    return first;
  }

  /** What the client gets of {@code pieces} streamed one event each. */
  private static String streamed(List<GatewayFilter> filters, List<String> pieces)
      throws Exception {
    StreamGuard g = guard(filters, request(filters));
    ByteArrayOutputStream released = new ByteArrayOutputStream();
    for (String p : pieces) {
      StreamGuard.Step s = g.onBytes(event(p));
      released.writeBytes(s.release());
      if (s.blocked()) {
        return content(released);
      }
    }
    StreamGuard.Step s = g.onBytes(FINISH);
    released.writeBytes(s.release());
    if (!s.blocked()) {
      released.writeBytes(g.onEnd().release());
    }
    return content(released);
  }

  /** What the same filters make of the answer whole (not streamed), in chain order. */
  private static String wholeAnswer(List<GatewayFilter> filters, String text) {
    RequestContext ctx = request(filters);
    ObjectNode body = JSON.createObjectNode();
    body.put("id", "chatcmpl-w").put("object", "chat.completion");
    ObjectNode choice = body.putArray("choices").addObject();
    choice.put("index", 0).putObject("message").put("role", "assistant").put("content", text);
    choice.put("finish_reason", "stop");
    for (GatewayFilter f : filters) {
      ResponseContext rc = new ResponseContext(ctx, 200, body);
      if (!f.inspectsResponse(ctx)) {
        continue;
      }
      Verdict v = f.onResponse(rc).toCompletableFuture().join();
      if (v.kind() == Verdict.Kind.BLOCK) {
        return "";
      }
      for (Edit e : v.edits()) {
        Edit.Replace r = (Edit.Replace) e; // the output guards rewrite texts in place
        Json.set(body, r.pointer(), r.value());
      }
    }
    JsonNode c = body.path("choices").path(0).path("message").path("content");
    return c.asText();
  }
}
