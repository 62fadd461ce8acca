package dev.lmgate.app.e2e;

import dev.lmgate.app.Gateway;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** One short chat completion to a replica, with an API key: what the replica tests send. */
final class ChatRequests {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private ChatRequests() {}

  /** The status of a chat completion sent to {@code g} with {@code key}. */
  static int status(Gateway g, String key) {
    try {
      return HTTP.send(
              HttpRequest.newBuilder(
                      URI.create(
                          "http://127.0.0.1:" + g.address().getPort() + "/v1/chat/completions"))
                  .timeout(Duration.ofSeconds(10))
                  .header("content-type", "application/json")
                  .header("authorization", "Bearer " + key)
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"model\":\"qwen/qwen3-4b-2507\",\"messages\":[{\"role\":\"user\","
                              + "\"content\":\"Hi\"}]}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString())
          .statusCode();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
