package dev.lmgate.filters.semantic;

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
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Embeddings from an OpenAI-compatible {@code POST {url}/embeddings}: LM Studio with an embedding
 * model loaded (e.g. {@code text-embedding-nomic-embed-text-v1.5}), or any other such service.
 * Texts are cut to {@code maxChars} (their start) before they are sent.
 */
public final class RemoteEmbedder implements Embedder {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final URI endpoint;
  private final String model;
  private final Supplier<String> apiKey;
  private final HttpClient http;
  private final Duration timeout;
  private final int maxChars;

  public RemoteEmbedder(
      URI base,
      String model,
      Supplier<String> apiKey,
      HttpClient http,
      Duration timeout,
      int maxChars) {
    String b = base.toString();
    this.endpoint = URI.create((b.endsWith("/") ? b : b + "/") + "embeddings");
    this.model = model;
    this.apiKey = apiKey;
    this.http = http;
    this.timeout = timeout;
    this.maxChars = maxChars;
  }

  @Override
  public String name() {
    return model;
  }

  @Override
  public CompletionStage<List<float[]>> embed(List<String> texts) {
    ObjectNode body = JSON.createObjectNode().put("model", model);
    var input = body.putArray("input");
    for (String t : texts) {
      input.add(t.length() > maxChars ? t.substring(0, maxChars) : t);
    }
    return JsonPost.send(http, endpoint, body.toString(), apiKey, timeout, "the embedding endpoint")
        .thenApply(JsonPost.parsing(answer -> parse(answer, texts.size())));
  }

  /** The vectors of an embeddings answer, by their {@code index}; any other shape is an error. */
  static List<float[]> parse(String answer, int expected) throws IOException {
    JsonNode data = JSON.readTree(answer).path("data");
    if (!data.isArray() || data.size() != expected) {
      throw new IOException("the embedding endpoint answered without " + expected + " vectors");
    }
    List<float[]> out = new ArrayList<>(java.util.Collections.nCopies(expected, (float[]) null));
    for (int k = 0; k < data.size(); k++) {
      JsonNode d = data.get(k);
      int index = d.path("index").asInt(k);
      JsonNode e = d.path("embedding");
      if (index < 0 || index >= expected || !e.isArray() || e.isEmpty() || out.get(index) != null) {
        throw new IOException("the embedding endpoint answered a malformed vector");
      }
      float[] v = new float[e.size()];
      for (int i = 0; i < v.length; i++) {
        if (!e.get(i).isNumber()) {
          throw new IOException("the embedding endpoint answered a malformed vector");
        }
        v[i] = (float) e.get(i).asDouble();
      }
      out.set(index, Embedder.normalize(v));
    }
    return out;
  }
}
