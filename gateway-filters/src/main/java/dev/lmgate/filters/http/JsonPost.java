package dev.lmgate.filters.http;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * POSTs JSON to a service (a judge, an embedding endpoint) and hands back the 200 answer's body;
 * anything else fails the stage.
 */
public final class JsonPost {
  private JsonPost() {}

  /**
   * @param what names the service in errors ("the judge", "the moderation API")
   * @param apiKey sent as a bearer token when it supplies one
   */
  public static CompletionStage<String> send(
      HttpClient http,
      URI endpoint,
      String json,
      Supplier<String> apiKey,
      Duration timeout,
      String what) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(endpoint)
            .timeout(timeout)
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json));
    String key = apiKey.get();
    if (key != null && !key.isEmpty()) {
      b.header("authorization", "Bearer " + key);
    }
    return http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString())
        .thenApply(
            r -> {
              if (r.statusCode() != 200) {
                throw new CompletionException(
                    new IOException(what + " answered HTTP " + r.statusCode()));
              }
              return r.body();
            });
  }

  /** A parser that may throw, for {@code thenApply}. */
  @FunctionalInterface
  public interface Parser<T> {
    T parse(String body) throws IOException;
  }

  public static <T> java.util.function.Function<String, T> parsing(Parser<T> p) {
    return body -> {
      try {
        return p.parse(body);
      } catch (IOException e) {
        throw new CompletionException(e);
      }
    };
  }
}
