package dev.lmgate.filters.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lmgate.filters.TestRequests;
import dev.lmgate.spi.ConfigException;
import dev.lmgate.spi.Edit;
import dev.lmgate.spi.FilterSettings;
import dev.lmgate.spi.GatewayFilter;
import dev.lmgate.spi.Verdict;
import org.junit.jupiter.api.Test;

class RequestLimitFilterTest {
  static GatewayFilter filter(FilterSettings.Action action, String yaml) throws Exception {
    return new RequestLimitFilter.Factory()
        .create(
            "filters[0]",
            new ObjectMapper().readTree(yaml),
            FilterSettings.defaults(action),
            TestRequests.ENV);
  }

  static Verdict verdict(GatewayFilter f, String route, String body) throws Exception {
    return f.onRequest(TestRequests.chat(route, body)).toCompletableFuture().join();
  }

  @Test
  void refusesMaxTokensAboveTheCapNamingTheField() throws Exception {
    Verdict v =
        verdict(
            filter(FilterSettings.Action.BLOCK, "{\"max-output-tokens\":100}"),
            "openai-chat",
            "{\"max_tokens\":500,\"messages\":[]}");
    assertThat(v.kind()).isEqualTo(Verdict.Kind.BLOCK);
    assertThat(v.rejection().status()).isEqualTo(400);
    assertThat(v.rejection().param()).isEqualTo("max_tokens");
    assertThat(v.rejection().code()).isEqualTo("max_tokens_exceeded");
  }

  @Test
  void clampsInRedactModeAndWritesTheCapWhenUnlimited() throws Exception {
    GatewayFilter f = filter(FilterSettings.Action.REDACT, "{\"max-output-tokens\":100}");
    Verdict clamp = verdict(f, "openai-chat", "{\"max_tokens\":500,\"messages\":[]}");
    assertThat(clamp.kind()).isEqualTo(Verdict.Kind.MODIFY);
    assertThat(clamp.edits().stream().map(Edit.Replace.class::cast).toList())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.pointer()).isEqualTo("/max_tokens");
              assertThat(e.value().asLong()).isEqualTo(100);
            });
    for (String body : new String[] {"{\"messages\":[]}", "{\"max_tokens\":-1,\"messages\":[]}"}) {
      assertThat(
              verdict(
                      filter(FilterSettings.Action.BLOCK, "{\"max-output-tokens\":100}"),
                      "openai-chat",
                      body)
                  .edits()
                  .stream()
                  .map(Edit.Replace.class::cast)
                  .toList())
          .singleElement()
          .satisfies(e -> assertThat(e.value().asLong()).isEqualTo(100));
    }
    assertThat(verdict(f, "openai-chat", "{\"max_tokens\":50,\"messages\":[]}").kind())
        .isEqualTo(Verdict.Kind.PASS);
  }

  @Test
  void appliesPerRouteLimits() throws Exception {
    GatewayFilter f =
        filter(
            FilterSettings.Action.BLOCK,
            "{\"max-messages\":5,\"routes\":{\"native-v0-chat\":{\"max-messages\":1,\"max-body-bytes\":20}}}");
    String two =
        "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"user\",\"content\":\"b\"}]}";
    assertThat(verdict(f, "openai-chat", two).kind()).isEqualTo(Verdict.Kind.PASS);
    Verdict v = verdict(f, "native-v0-chat", two);
    assertThat(v.rejection().status()).isEqualTo(413);
  }

  @Test
  void rejectsUnknownKeysAndNegativeLimitsWithThePath() {
    assertThatThrownBy(() -> filter(FilterSettings.Action.BLOCK, "{\"max-tokens\":1}"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("filters[0].max-tokens: 1 (expected: one of");
    assertThatThrownBy(() -> filter(FilterSettings.Action.BLOCK, "{\"max-messages\":-1}"))
        .hasMessage("filters[0].max-messages: -1 (expected: between 0 and 1000000)");
  }
}
