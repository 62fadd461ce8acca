package dev.lmgate.filters.moderation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
 * A content-filtering API in the OpenAI {@code /v1/moderations} shape: {@code {"input","model"}}
 * in, {@code {"results":[{"flagged","categories":{name: bool}}]}} out.
 */
public final class ModerationApi implements Moderator {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI endpoint;
  private final String model;
  private final Supplier<String> apiKey;
  private final HttpClient http;
  private final Duration timeout;

  /**
   * @param baseUrl e.g. {@code https://api.openai.com/v1}; {@code /moderations} is appended
   * @param model the moderation model, or null to let the service choose
   */
  public ModerationApi(
      URI baseUrl, String model, Supplier<String> apiKey, HttpClient http, Duration timeout) {
    String base = baseUrl.toString();
    this.endpoint = URI.create(base.endsWith("/") ? base + "moderations" : base + "/moderations");
    this.model = model;
    this.apiKey = apiKey;
    this.http = http;
    this.timeout = timeout;
  }

  static Judgement parse(String body) throws IOException {
    JsonNode result = JSON.readTree(body).path("results").path(0);
    if (!result.path("flagged").isBoolean()) {
      throw new IOException("the moderation answer has no results[0].flagged");
    }
    if (!result.path("flagged").asBoolean()) {
      return Judgement.SAFE;
    }
    List<String> categories = new ArrayList<>();
    result
        .path("categories")
        .fields()
        .forEachRemaining(
            e -> {
              if (e.getValue().asBoolean(false)) {
                categories.add(e.getKey().toLowerCase(Locale.ROOT));
              }
            });
    return new Judgement(true, categories);
  }

  @Override
  public CompletionStage<Judgement> judge(Kind kind, String prompt, String response) {
    ObjectNode body = JSON.createObjectNode();
    body.put("input", kind == Kind.PROMPT ? prompt : response);
    if (model != null) {
      body.put("model", model);
    }
    return JsonPost.send(http, endpoint, body.toString(), apiKey, timeout, "the moderation API")
        .thenApply(JsonPost.parsing(ModerationApi::parse));
  }
}
