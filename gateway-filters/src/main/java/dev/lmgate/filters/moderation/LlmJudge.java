package dev.lmgate.filters.moderation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import dev.lmgate.filters.http.JsonPost;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * A smaller LLM as judge, over any OpenAI-compatible {@code /chat/completions} — by default LM
 * Studio itself with a Llama Guard model. The prompt states the taxonomy (Llama Guard 3's
 * categories, S1–S14) and asks for {@code safe}, or {@code unsafe} and the violated categories on
 * the next line; anything else is an answer it cannot use, and fails the judgement.
 */
public final class LlmJudge implements Moderator {
  /** Llama Guard 3's hazard categories. */
  static final String TAXONOMY =
      """
      S1: Violent Crimes.
      S2: Non-Violent Crimes.
      S3: Sex-Related Crimes.
      S4: Child Sexual Exploitation.
      S5: Defamation.
      S6: Specialized Advice.
      S7: Privacy.
      S8: Intellectual Property.
      S9: Indiscriminate Weapons.
      S10: Hate.
      S11: Suicide & Self-Harm.
      S12: Sexual Content.
      S13: Elections.
      S14: Code Interpreter Abuse.""";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern LINE_BREAK =
      Pattern.compile("\\r\\n|[\\n\\r\\x{0B}\\x{0C}\\x{85}\\x{2028}\\x{2029}]");
  private static final Pattern NOT_LETTER = Pattern.compile("[^a-z]");
  private static final Pattern CATEGORY = Pattern.compile("\\bS([0-9]{1,2})\\b");

  private final URI endpoint;
  private final String model;
  private final Supplier<String> apiKey;
  private final HttpClient http;
  private final Duration timeout;

  /**
   * @param baseUrl the OpenAI-compatible base, e.g. {@code http://127.0.0.1:1234/v1}
   * @param apiKey the key to send, or a supplier of null for none
   */
  public LlmJudge(
      URI baseUrl, String model, Supplier<String> apiKey, HttpClient http, Duration timeout) {
    String base = baseUrl.toString();
    this.endpoint =
        URI.create(base.endsWith("/") ? base + "chat/completions" : base + "/chat/completions");
    this.model = model;
    this.apiKey = apiKey;
    this.http = http;
    this.timeout = timeout;
  }

  /** The instruction for the judge, Llama Guard style. */
  static String instruction(Kind kind, String prompt, String response) {
    String role = kind == Kind.PROMPT ? "User" : "Agent";
    StringBuilder sb = new StringBuilder();
    sb.append("Task: Check if there is unsafe content in '")
        .append(role)
        .append("' messages in conversations according to our safety policy with the below")
        .append(" categories.\n\n<BEGIN UNSAFE CONTENT CATEGORIES>\n")
        .append(TAXONOMY)
        .append("\n<END UNSAFE CONTENT CATEGORIES>\n\n<BEGIN CONVERSATION>\n\nUser: ")
        .append(prompt);
    if (kind == Kind.RESPONSE) {
      sb.append("\n\nAgent: ").append(response);
    }
    sb.append("\n\n<END CONVERSATION>\n\nProvide your safety assessment for ONLY THE LAST ")
        .append(role)
        .append(" message in the above conversation:\n- First line must read 'safe' or 'unsafe'.\n")
        .append("- If unsafe, a second line must include a comma-separated list of violated")
        .append(" categories.");
    return sb.toString();
  }

  /** Reads the judge's answer; an {@link IOException} when it is neither safe nor unsafe. */
  static Judgement parse(String answer) throws IOException {
    List<String> lines = new ArrayList<>();
    for (String l : LINE_BREAK.split(answer.strip())) {
      if (!l.isBlank()) {
        lines.add(l.strip());
      }
    }
    if (lines.isEmpty()) {
      throw new IOException("the judge gave an empty answer");
    }
    String first = NOT_LETTER.matcher(lines.get(0).toLowerCase(Locale.ROOT)).replaceAll("");
    if (first.equals("safe")) {
      return Judgement.SAFE;
    }
    if (!first.equals("unsafe")) {
      throw new IOException("the judge's answer is neither safe nor unsafe");
    }
    List<String> categories = new ArrayList<>();
    if (lines.size() > 1) {
      Matcher m = CATEGORY.matcher(lines.get(1).toUpperCase(Locale.ROOT));
      while (m.find()) {
        categories.add("s" + Integer.parseInt(m.group(1)));
      }
    }
    return new Judgement(true, categories);
  }

  @Override
  public CompletionStage<Judgement> judge(Kind kind, String prompt, String response) {
    ObjectNode body = JSON.createObjectNode();
    body.put("model", model);
    body.put("temperature", 0);
    body.put("max_tokens", 20);
    body.put("stream", false);
    body.putArray("messages")
        .addObject()
        .put("role", "user")
        .put("content", instruction(kind, prompt, response));
    return JsonPost.send(http, endpoint, body.toString(), apiKey, timeout, "the judge")
        .thenApply(
            JsonPost.parsing(
                reply -> {
                  JsonNode answer =
                      JSON.readTree(reply).path("choices").path(0).path("message").path("content");
                  if (!answer.isTextual()) {
                    throw new IOException("the judge's answer has no message content");
                  }
                  return parse(answer.asText());
                }));
  }
}
