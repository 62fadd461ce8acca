package dev.lmgate.filters.sanitize;

import static dev.lmgate.filters.TestConversations.chat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lmgate.filters.RecordingEvents;
import dev.lmgate.filters.TestRequest;
import dev.lmgate.spi.ConfigException;
import dev.lmgate.spi.Edit;
import dev.lmgate.spi.FilterEnvironment;
import dev.lmgate.spi.FilterSettings;
import dev.lmgate.spi.Verdict;
import java.time.Clock;
import org.junit.jupiter.api.Test;

/** Structure refused with the field named; text cleaned where the config says so. */
class SanitizeFilterTest {
  static final ObjectMapper JSON = new ObjectMapper();

  static SanitizeFilter filter(String yaml) throws Exception {
    return (SanitizeFilter)
        new SanitizeFilter.Factory()
            .create(
                "filters[0]",
                JSON.readTree(yaml),
                FilterSettings.defaults(FilterSettings.Action.BLOCK),
                FilterEnvironment.of(Clock.systemUTC(), new RecordingEvents()));
  }

  /** A chat request whose body has the given messages (role, text pairs). */
  static TestRequest request(String... roleAndText) {
    ObjectNode body = JSON.createObjectNode().put("model", "m");
    var messages = body.putArray("messages");
    for (int i = 0; i < roleAndText.length; i += 2) {
      messages.addObject().put("role", roleAndText[i]).put("content", roleAndText[i + 1]);
    }
    return new TestRequest().json(body.toString(), chat(roleAndText));
  }

  static TestRequest raw(String body) {
    return new TestRequest().json(body, chat("user", "x"));
  }

  @Test
  void malformedRequestsAreRefusedNamingTheField() throws Exception {
    SanitizeFilter f = filter("{\"max-depth\": 6, \"max-messages\": 2}");
    assertThat(f.decide(raw("{\"model\":\"m\",\"messages\":[]}")).rejection().message())
        .contains("messages must be a non-empty array");
    Verdict role =
        f.decide(raw("{\"model\":\"m\",\"messages\":[{\"role\":\"wizard\",\"content\":\"x\"}]}"));
    assertThat(role.rejection().param()).isEqualTo("messages[0].role");
    assertThat(role.rejection().code()).isEqualTo("invalid_request");
    assertThat(
            f.decide(raw("{\"model\":7,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"))
                .rejection()
                .param())
        .isEqualTo("model");
    assertThat(
            f.decide(
                    raw(
                        "{\"model\":\"m\",\"max_tokens\":0,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"))
                .rejection()
                .param())
        .isEqualTo("max_tokens");
    String three =
        "[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"assistant\",\"content\":\"b\"},{\"role\":\"user\",\"content\":\"c\"}]";
    assertThat(f.decide(raw("{\"model\":\"m\",\"messages\":" + three + "}")).rejection().message())
        .contains("more than 2");
    assertThat(
            f.decide(
                    raw(
                        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[[[[[[\"x\"]]]]]]}]}"))
                .kind())
        .isEqualTo(Verdict.Kind.BLOCK);
  }

  @Test
  void controlAndInvisibleCharactersAreStrippedFromWhatIsForwarded() throws Exception {
    Verdict v = filter("{}").decide(request("user", "Hel\u0000lo\u200B wor\u202Eld 👩\u200D💻"));
    assertThat(v.kind()).isEqualTo(Verdict.Kind.MODIFY);
    assertThat(v.edits().stream().map(Edit.Replace.class::cast).toList().get(0).pointer())
        .isEqualTo("/messages/0/content");
    assertThat(v.edits().stream().map(Edit.Replace.class::cast).toList().get(0).value().asText())
        .isEqualTo("Hello world 👩\u200D💻");
    assertThat(filter("{\"invisible\": \"block\"}").decide(request("user", "a\u200Bb")).kind())
        .isEqualTo(Verdict.Kind.BLOCK);
    assertThat(filter("{}").decide(request("user", "plain text\nwith lines")).kind())
        .isEqualTo(Verdict.Kind.PASS);
  }

  @Test
  void htmlIsStrippedOrEscapedOnlyWhereARouteAsksForIt() throws Exception {
    String html = "Summarize <b>this</b><script>steal()</script><img src=x onerror=alert(1)>";
    assertThat(filter("{}").decide(request("user", html)).kind()).isEqualTo(Verdict.Kind.PASS);
    Verdict stripped =
        filter("{\"routes\": {\"openai-*\": {\"html\": \"strip\"}}}").decide(request("user", html));
    assertThat(
            stripped.edits().stream()
                .map(Edit.Replace.class::cast)
                .toList()
                .get(0)
                .value()
                .asText())
        .isEqualTo("Summarize <b>this</b>");
    Verdict escaped = filter("{\"html\": \"escape\"}").decide(request("user", "<i>x</i>"));
    assertThat(
            escaped.edits().stream().map(Edit.Replace.class::cast).toList().get(0).value().asText())
        .isEqualTo("&lt;i&gt;x&lt;/i&gt;");
  }

  @Test
  void denyAndAllowPatternsApplyPerRoleAndSeeThroughDisguises() throws Exception {
    SanitizeFilter f =
        filter(
            "{\"patterns\": [{\"name\": \"no-sql\", \"roles\": [\"user\"], \"deny\": \"(?i)drop\\\\s+table\"},"
                + " {\"name\": \"latin-only\", \"roles\": [\"user\"], \"allow\": \"[\\\\p{Latin}\\\\p{N}\\\\p{P}\\\\s]*\"}]}");
    Verdict sql = f.decide(request("user", "please DROP TABLE users"));
    assertThat(sql.kind()).isEqualTo(Verdict.Kind.BLOCK);
    assertThat(sql.rejection().message()).contains("no-sql");
    assertThat(f.decide(request("user", "please ＤＲＯＰ ＴＡＢＬＥ users")).kind())
        .as("fullwidth letters are normalized for deny rules")
        .isEqualTo(Verdict.Kind.BLOCK);
    assertThat(f.decide(request("system", "you may DROP TABLE in tests")).kind())
        .isEqualTo(Verdict.Kind.PASS);
    assertThat(f.decide(request("user", "Привет")).rejection().message()).contains("latin-only");
    assertThat(f.decide(request("user", "Hello, world.")).kind()).isEqualTo(Verdict.Kind.PASS);
  }

  @Test
  void badPatternsAreConfigErrors() {
    assertThatThrownBy(() -> filter("{\"patterns\": [{\"deny\": \"(\"}]}"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("filters[0].patterns[0].deny: (");
    assertThatThrownBy(() -> filter("{\"patterns\": [{\"name\": \"x\"}]}"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("exactly one of deny or allow");
  }
}
