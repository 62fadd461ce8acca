package dev.lmgate.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.ChatModel;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.lmgate.simulator.LmStudioSimulator.Scripted;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The official OpenAI Java SDK, LangChain4j and the openai npm package against a real gateway. */
class RealClientsTest {
  @RegisterExtension
  static final GatewayExtension gw =
      new GatewayExtension(
          """
      filters:
        - id: request-limits
          action: redact
          max-output-tokens: 512
        - id: output-patterns
          rules:
            - name: launch-code
              pattern: 'LAUNCH-[0-9]{4}'
              max-length: 16
      """);

  static final String EXPECTED = "A reverse proxy forwards client requests to a backend.";

  OpenAIClient openAi() {
    return OpenAIOkHttpClient.builder()
        .baseUrl(gw.url("/v1").toString())
        .apiKey("lm-studio")
        .maxRetries(0)
        .build();
  }

  ChatCompletionCreateParams params() {
    return ChatCompletionCreateParams.builder()
        .model(ChatModel.of("qwen/qwen3-4b-2507"))
        .addUserMessage("What is a reverse proxy?")
        .build();
  }

  /** Streams one answer with the OpenAI Java SDK, collecting the text and finish reasons. */
  void streamWithOpenAi(StringBuilder text, List<String> finish) {
    try (StreamResponse<ChatCompletionChunk> s =
        openAi().chat().completions().createStreaming(params())) {
      s.stream()
          .flatMap(chunk -> chunk.choices().stream())
          .forEach(
              ch -> {
                ch.delta().content().ifPresent(text::append);
                ch.finishReason().ifPresent(f -> finish.add(f.asString()));
              });
    }
  }

  @Test
  void openAiJavaSdkGetsWholeAnswers() {
    ChatCompletion c = openAi().chat().completions().create(params());
    assertThat(c.choices().get(0).message().content())
        .hasValueSatisfying(t -> assertThat(t).startsWith("A reverse proxy"));
  }

  @Test
  void openAiJavaSdkStreams() {
    StringBuilder text = new StringBuilder();
    List<String> finish = new ArrayList<>();
    streamWithOpenAi(text, finish);
    assertThat(text.toString()).isEqualTo(EXPECTED);
    assertThat(finish).containsExactly("stop");
  }

  @Test
  void openAiJavaSdkSeesABlockedStreamAsContentFilter() {
    gw.simulator()
        .script(
            "/v1/chat/completions",
            Scripted.sse(
                0,
                FilteredExchangeTest.content("code LAUNCH-"),
                FilteredExchangeTest.content("4242 now"),
                FilteredExchangeTest.STOP));
    StringBuilder text = new StringBuilder();
    List<String> finish = new ArrayList<>();
    streamWithOpenAi(text, finish);
    assertThat(text.toString()).doesNotContain("LAUNCH").doesNotContain("4242");
    assertThat(finish).containsExactly("content_filter");
  }

  @Test
  void langChain4jChatsAndStreams() throws Exception {
    OpenAiChatModel model =
        OpenAiChatModel.builder()
            .baseUrl(gw.url("/v1").toString())
            .apiKey("lm-studio")
            .modelName("qwen/qwen3-4b-2507")
            .maxRetries(0)
            .timeout(Duration.ofSeconds(10))
            .build();
    assertThat(model.chat("What is a reverse proxy?")).startsWith("A reverse proxy");

    OpenAiStreamingChatModel streaming =
        OpenAiStreamingChatModel.builder()
            .baseUrl(gw.url("/v1").toString())
            .apiKey("lm-studio")
            .modelName("qwen/qwen3-4b-2507")
            .timeout(Duration.ofSeconds(10))
            .build();
    CompletableFuture<ChatResponse> done = new CompletableFuture<>();
    StringBuilder partials = new StringBuilder();
    streaming.chat(
        "What is a reverse proxy?",
        new StreamingChatResponseHandler() {
          @Override
          public void onPartialResponse(String partial) {
            partials.append(partial);
          }

          @Override
          public void onCompleteResponse(ChatResponse response) {
            done.complete(response);
          }

          @Override
          public void onError(Throwable error) {
            done.completeExceptionally(error);
          }
        });
    ChatResponse r = done.get(10, TimeUnit.SECONDS);
    assertThat(partials.toString()).isEqualTo(EXPECTED);
    assertThat(r.aiMessage().text()).isEqualTo(EXPECTED);
  }

  @Test
  void openAiNpmPackageStreams() throws Exception {
    Path dir = Path.of("src/test/node").toAbsolutePath();
    if (!Files.isDirectory(dir.resolve("node_modules/openai"))) {
      Process install =
          new ProcessBuilder("npm", "install", "--no-audit", "--no-fund", "--loglevel=error")
              .directory(dir.toFile())
              .inheritIO()
              .start();
      assertThat(install.waitFor(5, TimeUnit.MINUTES)).isTrue();
      assertThat(install.exitValue()).as("npm install in " + dir).isZero();
    }
    Process node =
        new ProcessBuilder("node", "stream.mjs", gw.url("/v1").toString())
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .start();
    String out;
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8))) {
      out = r.lines().reduce("", (a, b) -> a + b + "\n");
    }
    assertThat(node.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(node.exitValue()).as(out).isZero();
    assertThat(out).contains("chunks>1 text=" + EXPECTED).contains("finish=stop");
  }
}
