package dev.lmgate.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.RateLimitException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.ChatModel;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.lmgate.filters.auth.FileKeyStore;
import dev.lmgate.filters.auth.KeyAdmin;
import dev.lmgate.testkit.Eventually;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** API keys with the official OpenAI Java SDK: rotation and revocation mid-traffic, 429s. */
class ApiKeyClientsTest {
  static final Path STORE = tempStore();
  static final FileKeyStore admin = open();
  static final KeyAdmin keys = new KeyAdmin(admin, Clock.systemUTC());

  @RegisterExtension
  static final GatewayExtension gw =
      new GatewayExtension(
          """
          filters:
            - id: authenticate
              api-keys: {store: "%s"}
            - id: authorize
              roles:
                developer: {routes: ["openai-*"], models: ["qwen/*"]}
                limited: {routes: ["openai-*"], models: ["qwen/*"]}
            - id: rate-limit
              roles:
                limited: {requests: 2/2s}
          """
              .formatted(STORE.toString().replace("\\", "/")));

  static Path tempStore() {
    try {
      return Files.createTempDirectory("lmgate-keys-test").resolve("keys.json");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static FileKeyStore open() {
    try {
      FileKeyStore s = FileKeyStore.open(STORE, "", false);
      new KeyAdmin(s, Clock.systemUTC()).create("seed", "", List.of("developer"), List.of(), null);
      return s;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @AfterAll
  static void closeStore() {
    admin.close();
  }

  OpenAIClient client(String key) {
    return OpenAIOkHttpClient.builder()
        .baseUrl(gw.url("/v1").toString())
        .apiKey(key)
        .maxRetries(0) // see the gateway's answers, not the SDK's retries
        .build();
  }

  static ChatCompletionCreateParams params() {
    return ChatCompletionCreateParams.builder()
        .model(ChatModel.of("qwen/qwen3-4b-2507"))
        .addUserMessage("Hello")
        .build();
  }

  static boolean answers(OpenAIClient c) {
    try {
      return !c.chat().completions().create(params()).choices().isEmpty();
    } catch (UnauthorizedException e) {
      return false;
    }
  }

  @Test
  void rotationOverlapsThenTheOldKeyStops_andRevocationTakesEffectWithinASecond() throws Exception {
    KeyAdmin.Issued old = keys.create("svc", "team", List.of("developer"), List.of(), null);
    OpenAIClient oldClient = client(old.key());
    assertThat(Eventually.within(Duration.ofSeconds(1), () -> answers(oldClient))).isTrue();

    KeyAdmin.Issued fresh = keys.rotate(old.record().id(), Duration.ofSeconds(3));
    OpenAIClient freshClient = client(fresh.key());
    assertThat(Eventually.within(Duration.ofSeconds(1), () -> answers(freshClient))).isTrue();
    assertThat(answers(oldClient)).as("the old key works during the overlap").isTrue();
    // traffic keeps flowing on the old key until the overlap ends, then it is refused
    assertThat(Eventually.within(Duration.ofSeconds(5), () -> !answers(oldClient))).isTrue();
    assertThat(answers(freshClient)).isTrue();

    keys.revoke(fresh.record().id());
    long t0 = System.nanoTime();
    assertThat(Eventually.within(Duration.ofSeconds(1), () -> !answers(freshClient)))
        .as("revoked within a second, no restart")
        .isTrue();
    assertThatThrownBy(() -> freshClient.chat().completions().create(params()))
        .isInstanceOf(UnauthorizedException.class);
    assertThat(System.nanoTime() - t0).isLessThan(Duration.ofSeconds(2).toNanos());
  }

  @Test
  void overTheLimitTheClientGets429WithRetryAfter_andThenServiceResumes() throws Exception {
    KeyAdmin.Issued k = keys.create("batch", "team", List.of("limited"), List.of(), null);
    OpenAIClient c = client(k.key());
    assertThat(Eventually.within(Duration.ofSeconds(1), () -> answers(c))).isTrue();
    RateLimitException limited = null;
    for (int i = 0; i < 4 && limited == null; i++) {
      try {
        c.chat().completions().create(params());
      } catch (RateLimitException e) {
        limited = e;
      }
    }
    assertThat(limited).as("a 429 within four calls of a 2/2s limit").isNotNull();
    assertThat(limited.statusCode()).isEqualTo(429);
    String retryAfter = limited.headers().values("retry-after").get(0);
    assertThat(Integer.parseInt(retryAfter)).isBetween(1, 2);
    // The gateway under test runs on the system clock: obey Retry-After as a real client does.
    Thread.sleep(Long.parseLong(retryAfter) * 1000);
    assertThat(answers(c)).as("after Retry-After the caller is served again").isTrue();
  }
}
