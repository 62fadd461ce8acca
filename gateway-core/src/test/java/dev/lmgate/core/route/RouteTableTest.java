package dev.lmgate.core.route;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lmgate.spi.Dialect;
import dev.lmgate.spi.Operation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RouteTableTest {
  private final RouteTable table = RouteTable.lmStudio();

  @ParameterizedTest
  @CsvSource({
    "GET, /v1/models, openai-models, OPENAI, MODELS",
    "GET, /v1/models/qwen/qwen3-4b-2507, openai-model, OPENAI, MODELS",
    "POST, /v1/chat/completions, openai-chat, OPENAI, CHAT",
    "POST, /v1/completions, openai-completions, OPENAI, COMPLETION",
    "POST, /v1/embeddings, openai-embeddings, OPENAI, EMBEDDINGS",
    "POST, /v1/responses, openai-responses, OPENAI, RESPONSES",
    "POST, /v1/messages, anthropic-messages, ANTHROPIC, MESSAGES",
    "POST, /api/v1/chat, native-v1-chat, LMSTUDIO_V1, NATIVE_CHAT",
    "GET, /api/v1/models, native-v1-models, LMSTUDIO_V1, MODELS",
    "POST, /api/v1/models/load, native-v1-models-load, LMSTUDIO_V1, MODEL_MANAGEMENT",
    "POST, /api/v1/models/unload, native-v1-models-unload, LMSTUDIO_V1, MODEL_MANAGEMENT",
    "POST, /api/v1/models/download, native-v1-models-download, LMSTUDIO_V1, MODEL_MANAGEMENT",
    "GET, /api/v1/models/download/status/job_1, native-v1-models-download-status, LMSTUDIO_V1, MODEL_MANAGEMENT",
    "GET, /api/v0/models, native-v0-models, LMSTUDIO_V0, MODELS",
    "GET, /api/v0/models/google/gemma-3-12b, native-v0-model, LMSTUDIO_V0, MODELS",
    "POST, /api/v0/chat/completions, native-v0-chat, LMSTUDIO_V0, CHAT",
    "POST, /api/v0/completions, native-v0-completions, LMSTUDIO_V0, COMPLETION",
    "POST, /api/v0/embeddings, native-v0-embeddings, LMSTUDIO_V0, EMBEDDINGS",
    "GET, /lmstudio-greeting, lmstudio-greeting, DISCOVERY, GREETING",
  })
  void mapsEveryLmStudioRouteToItsDialect(
      String method, String path, String id, Dialect dialect, Operation op) {
    assertThat(table.match(method, path))
        .isInstanceOfSatisfying(
            RouteTable.Found.class,
            f -> {
              assertThat(f.route().id()).isEqualTo(id);
              assertThat(f.route().dialect()).isEqualTo(dialect);
              assertThat(f.route().operation()).isEqualTo(op);
            });
  }

  @ParameterizedTest
  @CsvSource({
    "/",
    "/v1//models",
    "/chat/completions",
    "/v1/chat%2Fcompletions",
    "/v1/messages/count_tokens",
    "/api/v1/chat/extra",
    "/v1/models/",
    "/v1/models//x",
    "/api/v2/chat",
    "/V1/models"
  })
  void unknownPathsAreNotRouted(String path) {
    assertThat(table.match("POST", path)).isInstanceOf(RouteTable.NotFound.class);
  }

  @Test
  void wrongMethodIsNotAllowedButPreflightPasses() {
    assertThat(table.match("GET", "/v1/chat/completions"))
        .isInstanceOf(RouteTable.MethodNotAllowed.class);
    assertThat(table.match("OPTIONS", "/v1/chat/completions")).isInstanceOf(RouteTable.Found.class);
  }

  @Test
  void notFoundSpeaksTheDialectOfThePath() {
    assertThat(((RouteTable.NotFound) table.match("GET", "/api/v1/nope")).dialect())
        .isEqualTo(Dialect.LMSTUDIO_V1);
    assertThat(((RouteTable.NotFound) table.match("POST", "/v1/messages/count_tokens")).dialect())
        .isEqualTo(Dialect.ANTHROPIC);
    assertThat(((RouteTable.NotFound) table.match("GET", "/favicon.ico")).dialect())
        .isEqualTo(Dialect.OPENAI);
  }
}
