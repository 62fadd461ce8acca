package dev.lmgate.filters.output;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.re2j.Pattern;
import dev.lmgate.filters.TestRequests;
import dev.lmgate.filters.text.StartPoints;
import dev.lmgate.spi.ConfigException;
import dev.lmgate.spi.Edit;
import dev.lmgate.spi.FilterSettings;
import dev.lmgate.spi.GatewayFilter;
import dev.lmgate.spi.OutputChannel;
import dev.lmgate.spi.OutputText;
import dev.lmgate.spi.RequestView;
import dev.lmgate.spi.ResponseView;
import dev.lmgate.spi.StreamInspector;
import dev.lmgate.spi.Verdict;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class OutputPatternFilterTest {
  static final String RULES =
      """
      {"rules":[
        {"name":"aws-key","pattern":"AKIA[0-9A-Z]{16}","action":"redact","replacement":"[KEY]","max-length":20},
        {"name":"secret-word","pattern":"(?i)open sesame","channels":["content","reasoning"],"max-length":16}]}""";

  static GatewayFilter filter(String json, FilterSettings.Action action) throws Exception {
    return new OutputPatternFilter.Factory()
        .create(
            "filters[1]",
            new ObjectMapper().readTree(json),
            FilterSettings.defaults(action),
            TestRequests.ENV);
  }

  static ResponseView response(OutputText... outputs) {
    return response(new dev.lmgate.filters.TestRequest(), outputs);
  }

  static ResponseView response(RequestView request, OutputText... outputs) {
    return new ResponseView() {

      @Override
      public java.util.Map<String, String> toolNames() {
        return java.util.Map.of();
      }

      @Override
      public RequestView request() {
        return request;
      }

      @Override
      public int status() {
        return 200;
      }

      @Override
      public Optional<JsonNode> json() {
        return Optional.empty();
      }

      @Override
      public List<OutputText> outputs() {
        return List.of(outputs);
      }
    };
  }

  @Test
  void blocksAWholeResponseWithoutEchoingTheMatch() throws Exception {
    Verdict v =
        filter(RULES, FilterSettings.Action.BLOCK)
            .onResponse(
                response(
                    new OutputText(
                        "0/content",
                        OutputChannel.CONTENT,
                        "/choices/0/message/content",
                        "say OPEN SESAME now")))
            .toCompletableFuture()
            .join();
    assertThat(v.kind()).isEqualTo(Verdict.Kind.BLOCK);
    assertThat(v.rejection().message())
        .contains("secret-word")
        .doesNotContainIgnoringCase("sesame");
  }

  @Test
  void aSearchFromTheFirstPlaceAMatchCanBeginFindsWhatAWholeSearchFinds() throws Exception {
    // \b first: RE2/J has no literal to skip to, so the filter begins at the first "AKIA"/"ASIA"
    String rules =
        """
        {"rules":[{"name":"aws-key","pattern":"\\\\b(?:AKIA|ASIA)[0-9A-Z]{16}\\\\b",
          "action":"redact","replacement":"[KEY]","max-length":20}]}""";
    GatewayFilter f = filter(rules, FilterSettings.Action.BLOCK);
    String text = "xAKIAABCDEFGHIJKLMNOP then ASIAABCDEFGHIJKLMNOP and AKIAQRSTUVWXYZ234567.";
    Verdict v =
        f.onResponse(
                response(
                    new OutputText(
                        "0/content", OutputChannel.CONTENT, "/choices/0/message/content", text)))
            .toCompletableFuture()
            .join();
    assertThat(v.kind()).isEqualTo(Verdict.Kind.MODIFY);
    assertThat(v.edits().stream().map(Edit.Replace.class::cast).toList().get(0).value().asText())
        .as("the first AKIA follows a letter (no word boundary): kept; the others masked")
        .isEqualTo("xAKIAABCDEFGHIJKLMNOP then [KEY] and [KEY].");
    StartPoints keys = StartPoints.of(Pattern.compile("\\b(?:AKIA|ASIA)[0-9A-Z]{16}\\b"));
    assertThat(keys.first(text)).isEqualTo(1);
    assertThat(keys.first("no key here")).as("none of the starts: past the end").isEqualTo(12);
    assertThat(StartPoints.of(Pattern.compile("(?i)akia[0-9a-z]{16}")))
        .as("case folded: a match may begin anywhere")
        .isNull();
  }

  @Test
  void redactsInPlaceAtTheOutputsPointer() throws Exception {
    Verdict v =
        filter(RULES, FilterSettings.Action.BLOCK)
            .onResponse(
                response(
                    new OutputText(
                        "0/tool/0",
                        OutputChannel.TOOL_ARGUMENTS,
                        "/choices/0/message/tool_calls/0/function/arguments",
                        "{\"k\":\"AKIAABCDEFGHIJKLMNOP\"}")))
            .toCompletableFuture()
            .join();
    assertThat(v.kind()).isEqualTo(Verdict.Kind.MODIFY);
    assertThat(v.edits().stream().map(Edit.Replace.class::cast).toList())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.pointer())
                  .isEqualTo("/choices/0/message/tool_calls/0/function/arguments");
              assertThat(e.value().asText()).isEqualTo("{\"k\":\"[KEY]\"}");
            });
  }

  @Test
  void rulesReadOnlyTheirChannels() throws Exception {
    Verdict v =
        filter(RULES, FilterSettings.Action.BLOCK)
            .onResponse(
                response(
                    new OutputText("0/tool/0", OutputChannel.TOOL_ARGUMENTS, "/x", "open sesame")))
            .toCompletableFuture()
            .join();
    assertThat(v.kind()).isEqualTo(Verdict.Kind.PASS);
  }

  @Test
  void streamInspectorReportsEachMatchOnceAsItIsDecidedAndHoldsOnlyWhatCouldStillMatch()
      throws Exception {
    StreamInspector si =
        filter(RULES, FilterSettings.Action.BLOCK)
            .streamInspector(TestRequests.chat("openai-chat", "{}"))
            .orElseThrow();
    assertThat(si.holdBack()).isEqualTo(20);
    String text = "key AKIAABCDEFGHIJKLMNOP and AKIAQRSTUVWXYZ234567 ok";
    assertThat(si.inspect("0/content", OutputChannel.CONTENT, text, 0, false).redactions())
        .extracting(s -> text.substring(s.start(), s.end()))
        .containsExactly("AKIAABCDEFGHIJKLMNOP", "AKIAQRSTUVWXYZ234567");
    String longer = text + " and more";
    assertThat(
            si.inspect("0/content", OutputChannel.CONTENT, longer, text.length(), false)
                .redactions())
        .as("a match is acted on once, when it is decided")
        .isEmpty();

    String partial = "the id is AKIAQRST";
    StreamInspector.StreamDecision d =
        si.inspect("1/content", OutputChannel.CONTENT, partial, 0, false);
    assertThat(d.redactions()).isEmpty();
    assertThat(d.undecidedFrom()).isEqualTo(partial.indexOf("AKIA"));
    String whole = partial + "UVWXYZ234567 done";
    assertThat(
            si.inspect("1/content", OutputChannel.CONTENT, whole, d.undecidedFrom(), false)
                .redactions())
        .extracting(s -> whole.substring(s.start(), s.end()))
        .containsExactly("AKIAQRSTUVWXYZ234567");

    String prose = "An ordinary answer, with no key in it. ";
    assertThat(si.inspect("2/content", OutputChannel.CONTENT, prose, 0, false).undecidedFrom())
        .isEqualTo(prose.length());
  }

  @Test
  void refusesPatternsRe2CannotRunAndInconsistentWindows() {
    assertThatThrownBy(
            () ->
                filter(
                    "{\"rules\":[{\"name\":\"r\",\"pattern\":\"(a)\\\\1\"}]}",
                    FilterSettings.Action.BLOCK))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("filters[1].rules[0].pattern: (a)\\1 (expected: an RE2 pattern");
    assertThatThrownBy(
            () ->
                filter(
                    "{\"rules\":[{\"name\":\"r\",\"pattern\":\"(?=a)\"}]}",
                    FilterSettings.Action.BLOCK))
        .isInstanceOf(ConfigException.class);
    assertThatThrownBy(
            () ->
                filter(
                    "{\"hold-back\":8,\"rules\":[{\"name\":\"r\",\"pattern\":\"a\",\"max-length\":64}]}",
                    FilterSettings.Action.BLOCK))
        .hasMessage("filters[1].hold-back: 8 (expected: >= the longest rule max-length (64))");
    assertThatThrownBy(() -> filter("{\"rules\":[]}", FilterSettings.Action.BLOCK))
        .hasMessage("filters[1].rules: <missing> (expected: at least one rule)");
    assertThatThrownBy(
            () ->
                filter(
                    "{\"rules\":[{\"name\":\"r\",\"pattern\":\"a\",\"channels\":[\"audio\"]}]}",
                    FilterSettings.Action.BLOCK))
        .hasMessageStartingWith("filters[1].rules[0].channels: audio");
  }

  @Test
  void keywordListsAndRuleScopesByRouteAndRole() throws Exception {
    GatewayFilter f =
        filter(
            """
            {"rules":[
              {"name":"project-names","keywords":["Project Falcon","hydra-7"],"routes":["openai-*"]},
              {"name":"admins-only","keywords":["payroll"],"roles":["staff"]}]}""",
            FilterSettings.Action.BLOCK);
    OutputText falcon =
        new OutputText(
            "0", OutputChannel.CONTENT, "/choices/0/message/content", "About PROJECT FALCON: ...");
    assertThat(f.onResponse(response(falcon)).toCompletableFuture().join().reason())
        .isEqualTo("project-names");
    RequestView anthropic =
        new dev.lmgate.filters.TestRequest()
            .route(
                "anthropic-messages",
                dev.lmgate.spi.Dialect.ANTHROPIC,
                dev.lmgate.spi.Operation.MESSAGES,
                "/v1/messages");
    assertThat(f.onResponse(response(anthropic, falcon)).toCompletableFuture().join().kind())
        .as("the rule is scoped to openai-* routes")
        .isEqualTo(Verdict.Kind.PASS);
    OutputText payroll =
        new OutputText(
            "0", OutputChannel.CONTENT, "/choices/0/message/content", "The payroll file is...");
    assertThat(f.onResponse(response(payroll)).toCompletableFuture().join().kind())
        .as("no caller with role staff")
        .isEqualTo(Verdict.Kind.PASS);
    RequestView staff =
        new dev.lmgate.filters.TestRequest()
            .principal(
                new dev.lmgate.spi.Principal(
                    "key:s",
                    dev.lmgate.spi.Principal.Kind.API_KEY,
                    "s",
                    java.util.Set.of("staff"),
                    java.util.Set.of(),
                    List.of(),
                    "",
                    null));
    assertThat(f.onResponse(response(staff, payroll)).toCompletableFuture().join().kind())
        .isEqualTo(Verdict.Kind.BLOCK);
    assertThatThrownBy(
            () ->
                filter(
                    "{\"rules\":[{\"name\":\"x\",\"keywords\":[\"a\"],\"pattern\":\"b\"}]}",
                    FilterSettings.Action.BLOCK))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("exactly one of pattern or keywords");
  }
}
