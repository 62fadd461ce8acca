package dev.lmgate.filters.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.lmgate.filters.RecordingEvents;
import dev.lmgate.filters.TestRequest;
import dev.lmgate.spi.Dialect;
import dev.lmgate.spi.Edit;
import dev.lmgate.spi.FilterEnvironment;
import dev.lmgate.spi.FilterSettings;
import dev.lmgate.spi.GatewayFilter;
import dev.lmgate.spi.Operation;
import dev.lmgate.spi.Principal;
import dev.lmgate.spi.SecurityEvent;
import dev.lmgate.spi.Verdict;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AuthorizeFilterTest {
  static final String POLICY =
      """
      mfa: {methods: [mfa, otp, hwk]}
      roles:
        developer:
          routes: ["openai-*", "native-v1-chat"]
          models: ["qwen/*"]
          max-tokens: 1000
          tools: ["get_weather", "search_*"]
          stream: false
        admin:
          routes: ["*"]
          models: ["*"]
          model-management: true
          require-mfa: true
      """;
  final RecordingEvents events = new RecordingEvents();
  final GatewayFilter filter;

  AuthorizeFilterTest() throws Exception {
    filter =
        new AuthorizeFilter.Factory()
            .create(
                "filters[1]",
                new YAMLMapper().readTree(POLICY),
                FilterSettings.defaults(FilterSettings.Action.BLOCK),
                FilterEnvironment.of(Clock.systemUTC(), events));
  }

  static Principal caller(Set<String> roles, List<String> amr) {
    return new Principal("jwt:i#u", Principal.Kind.JWT, "u", roles, Set.of(), amr, "", null);
  }

  Verdict run(TestRequest r) {
    return filter.onRequest(r).toCompletableFuture().join();
  }

  Verdict developer(TestRequest r) {
    return run(r.principal(caller(Set.of("developer"), List.of())));
  }

  @Test
  void aRoleReachesItsModelsAndRoutesAndNothingElse() {
    assertThat(
            developer(
                    TestRequest.chat("qwen/qwen3-4b")
                        .body("{\"max_tokens\":10}", "qwen/qwen3-4b", false))
                .kind())
        .isEqualTo(Verdict.Kind.PASS);
    Verdict forbiddenModel = developer(TestRequest.chat("openai/gpt-oss-20b"));
    assertThat(forbiddenModel.rejection().status()).isEqualTo(403);
    assertThat(forbiddenModel.rejection().code()).isEqualTo("model_forbidden");
    assertThat(events.last().type()).isEqualTo(SecurityEvent.Type.AUTHORIZATION_DENIED);
    assertThat(developer(TestRequest.chat("")).rejection().code())
        .as("no model: only a role with * may let LM Studio pick")
        .isEqualTo("model_forbidden");
    assertThat(
            developer(
                    TestRequest.chat("qwen/q")
                        .route(
                            "anthropic-messages",
                            Dialect.ANTHROPIC,
                            Operation.MESSAGES,
                            "/v1/messages"))
                .rejection()
                .code())
        .isEqualTo("route_forbidden");
    assertThat(run(TestRequest.chat("qwen/q")).rejection().status())
        .as("no principal")
        .isEqualTo(401);
    assertThat(
            run(TestRequest.chat("qwen/q").principal(caller(Set.of("guest"), List.of())))
                .rejection()
                .code())
        .isEqualTo("no_role");
  }

  @Test
  void modelManagementIsAdminOnly_andAdminNeedsMfa() {
    TestRequest load =
        TestRequest.chat("qwen/q")
            .route(
                "native-v1-models-load",
                Dialect.LMSTUDIO_V1,
                Operation.MODEL_MANAGEMENT,
                "/api/v1/models/load");
    assertThat(developer(load).rejection().code()).isEqualTo("admin_only");
    TestRequest load2 =
        TestRequest.chat("qwen/q")
            .route(
                "native-v1-models-load",
                Dialect.LMSTUDIO_V1,
                Operation.MODEL_MANAGEMENT,
                "/api/v1/models/load");
    Verdict noMfa = run(load2.principal(caller(Set.of("admin"), List.of("pwd"))));
    assertThat(noMfa.rejection().status()).isEqualTo(403);
    assertThat(noMfa.rejection().code()).isEqualTo("mfa_required");
    assertThat(noMfa.rejection().message()).contains("multi-factor");
    TestRequest load3 =
        TestRequest.chat("qwen/q")
            .route(
                "native-v1-models-load",
                Dialect.LMSTUDIO_V1,
                Operation.MODEL_MANAGEMENT,
                "/api/v1/models/load");
    assertThat(run(load3.principal(caller(Set.of("admin"), List.of("pwd", "otp")))).kind())
        .isEqualTo(Verdict.Kind.PASS);
  }

  @Test
  void maxTokensIsCappedToTheCeiling_streamsAndUnlistedToolsAreRefused() {
    Verdict over =
        developer(TestRequest.chat("qwen/q").body("{\"max_tokens\":5000}", "qwen/q", false));
    assertThat(over.kind()).isEqualTo(Verdict.Kind.MODIFY);
    assertThat(over.edits().stream().map(Edit.Replace.class::cast).toList().get(0).pointer())
        .isEqualTo("/max_tokens");
    assertThat(over.edits().stream().map(Edit.Replace.class::cast).toList().get(0).value().asLong())
        .isEqualTo(1000);
    assertThat(developer(TestRequest.chat("qwen/q").body("{}", "qwen/q", false)).kind())
        .as("no limit asked: capped too")
        .isEqualTo(Verdict.Kind.MODIFY);
    assertThat(
            developer(TestRequest.chat("qwen/q").body("{\"max_tokens\":10}", "qwen/q", true))
                .rejection()
                .code())
        .isEqualTo("stream_forbidden");
    String tools =
        "{\"max_tokens\":10,\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"search_web\"}},"
            + "{\"type\":\"function\",\"function\":{\"name\":\"run_shell\"}}]}";
    Verdict tool = developer(TestRequest.chat("qwen/q").body(tools, "qwen/q", false));
    assertThat(tool.rejection().code()).isEqualTo("tool_forbidden");
    assertThat(tool.rejection().message()).contains("run_shell");
    // a chat custom tool is named by custom.name, not let through as its type
    String custom =
        "{\"max_tokens\":10,\"tools\":[{\"type\":\"custom\",\"custom\":{\"name\":\"run_shell\"}}]}";
    Verdict customTool = developer(TestRequest.chat("qwen/q").body(custom, "qwen/q", false));
    assertThat(customTool.rejection().message()).contains("run_shell");
  }

  @Test
  void globsAreCaseInsensitiveAndStarCrossesSlashes() {
    assertThat(new Glob("qwen/*").matches("QWEN/Qwen3-4B")).isTrue();
    assertThat(new Glob("qwen/*").matches("qwen")).isFalse();
    assertThat(new Glob("*").matches("")).isTrue();
    assertThat(new Glob("a*b*c").matches("a" + "b".repeat(10_000) + "d")).isFalse();
    assertThat(new Glob("openai-?odels").matches("openai-models")).isTrue();
  }

  @Test
  void configWithoutExplicitModelsIsRefused() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                new AuthorizeFilter.Factory()
                    .create(
                        "filters[1]",
                        new ObjectMapper().readTree("{\"roles\":{\"dev\":{\"routes\":[\"*\"]}}}"),
                        FilterSettings.defaults(FilterSettings.Action.BLOCK),
                        FilterEnvironment.of(Clock.systemUTC(), events)))
        .hasMessageContaining("filters[1].roles.dev");
  }
}
