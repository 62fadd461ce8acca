package dev.lmgate.app.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lmgate.app.Gateway;
import dev.lmgate.app.compliance.ComplianceReport;
import dev.lmgate.app.config.ConfigLoader;
import dev.lmgate.app.config.FilterReference;
import dev.lmgate.app.config.GatewayConfig;
import dev.lmgate.filters.BuiltinFilters;
import dev.lmgate.simulator.Fixtures;
import dev.lmgate.simulator.LmStudioSimulator;
import dev.lmgate.spi.BaseFilter;
import dev.lmgate.spi.ConfigException;
import dev.lmgate.spi.ConfigReader;
import dev.lmgate.spi.FilterDescription;
import dev.lmgate.spi.FilterEnvironment;
import dev.lmgate.spi.FilterFactory;
import dev.lmgate.spi.FilterRegistry;
import dev.lmgate.spi.FilterSettings;
import dev.lmgate.spi.GatewayFilter;
import dev.lmgate.spi.Rejection;
import dev.lmgate.spi.RequestView;
import dev.lmgate.spi.TextPart;
import dev.lmgate.spi.Verdict;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/**
 * Adding a filter is one class — {@link NoShouting} below, its factory describing it — and one
 * registration line ({@link #REGISTRY}; in lmgate, a line in {@code BuiltinFilters}). Nothing else
 * is edited, yet the config loads it and validates its keys and its place, a real gateway runs it,
 * the offline guard runs it on texts, the compliance report judges its control, and the filter
 * reference lists it.
 */
class NewFilterTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Refuses prompts written in capitals (at least {@code min-letters} letters, none lower-case).
   */
  static final class NoShouting extends BaseFilter {
    static final String ID = "no-shouting";
    private final int minLetters;

    NoShouting(FilterSettings settings, int minLetters) {
      super(ID, settings);
      this.minLetters = minLetters;
    }

    @Override
    public CompletionStage<Verdict> onRequest(RequestView request) {
      for (TextPart p :
          request.conversation().messages().stream().flatMap(m -> m.parts().stream()).toList()) {
        long upper = p.text().chars().filter(Character::isUpperCase).count();
        if (upper >= minLetters && p.text().chars().noneMatch(Character::isLowerCase)) {
          return CompletableFuture.completedFuture(
              Verdict.block(
                  "shouting at " + p.pointer(),
                  new Rejection(400, "invalid_request_error", "shouting", "", "Please don't.")));
        }
      }
      return CompletableFuture.completedFuture(Verdict.pass());
    }

    static final class Factory implements FilterFactory {
      @Override
      public FilterDescription describe() {
        return FilterDescription.of(
                ID, FilterDescription.Stage.WHAT_GOES_IN, "Refuses prompts in capitals.", "x.md")
            .judging(FilterDescription.Judges.PROMPTS)
            .handbook(2)
            .keys("min-letters");
      }

      @Override
      public GatewayFilter create(ConfigReader r, FilterSettings settings, FilterEnvironment env)
          throws ConfigException {
        return new NoShouting(settings, (int) r.integer("min-letters", 8, 1, 10_000));
      }
    }
  }

  /** A filter that needs the caller: its description says it follows {@code authenticate}. */
  static final class NeedsCaller implements FilterFactory {
    @Override
    public FilterDescription describe() {
      return FilterDescription.of(
              "needs-caller", FilterDescription.Stage.WHO_AND_WHETHER, "Needs a caller.", "x.md")
          .after("authenticate");
    }

    @Override
    public GatewayFilter create(ConfigReader r, FilterSettings settings, FilterEnvironment env) {
      return new BaseFilter("needs-caller", settings) {};
    }
  }

  /** The one line. */
  static final FilterRegistry REGISTRY =
      BuiltinFilters.registry().with(new NoShouting.Factory(), new NeedsCaller());

  private static ConfigLoader loader() {
    return new ConfigLoader(k -> null).withFilters(REGISTRY);
  }

  @Test
  void aRealGatewayRunsIt() throws Exception {
    try (LmStudioSimulator sim = new LmStudioSimulator(Fixtures.locate())) {
      sim.start(0);
      String yaml =
          """
          server: {port: 0, access-log: false}
          admin: {enabled: false}
          upstream: {url: "%s"}
          filters:
            - id: no-shouting
              min-letters: 5
          """
              .formatted(sim.baseUrl());
      ConfigLoader loader = loader();
      try (Gateway gw = new Gateway(loader.parse(yaml), null, loader, s -> {}).start()) {
        assertThat(chat(gw, "WHY IS THE SKY BLUE")).isEqualTo(400);
        assertThat(chat(gw, "Why is the sky blue?")).isEqualTo(200);
      }
    }
  }

  @Test
  void theConfigChecksItsKeysAndItsPlace() {
    assertThatThrownBy(() -> loader().parse("filters: [{id: no-shouting, loud: 3}]"))
        .hasMessageContaining("loud")
        .hasMessageContaining("min-letters");
    assertThatThrownBy(() -> loader().parse("filters: [{id: needs-caller}]"))
        .hasMessage("filters[0].id: needs-caller (expected: after an authenticate filter)");
    assertThatThrownBy(() -> new ConfigLoader(k -> null).parse("filters: [{id: no-shouting}]"))
        .as("without the registration line it is unknown")
        .hasMessageContaining("no-shouting");
  }

  @Test
  void theOfflineGuardRunsItOnTexts() throws Exception {
    OfflineGuard guard = OfflineGuard.parse("filters: [{id: no-shouting}]", null, loader());
    assertThat(guard.run(text("STOP EVERYTHING NOW")).verdict()).isEqualTo("block");
    assertThat(guard.run(text("Stop everything now")).verdict()).isEqualTo("allow");
  }

  @Test
  void theComplianceReportJudgesItsControl() throws Exception {
    assertThat(control("filters: [{id: no-shouting}]"))
        .isEqualTo("§2 Input sanitization|Refuses prompts in capitals.|ENFORCED");
    assertThat(control("filters: [{id: no-shouting, action: alert}]"))
        .isEqualTo("§2 Input sanitization|Refuses prompts in capitals.|WEAKENED");
  }

  @Test
  void theReferenceListsIt() {
    assertThat(FilterReference.markdown(REGISTRY))
        .contains(
            "| what goes in | [`no-shouting`](x.md) | Refuses prompts in capitals. | prompts |  | §2 |")
        .contains(
            "| who and whether | [`needs-caller`](x.md) | Needs a caller. |  | `authenticate` |");
  }

  private static String control(String yaml) throws Exception {
    ConfigLoader loader = loader();
    GatewayConfig cfg = loader.parse(yaml);
    Optional<ComplianceReport.Control> c =
        ComplianceReport.of(
                "test", cfg, loader.tree(yaml), null, Optional.empty(), Optional.empty())
            .controls()
            .stream()
            .filter(x -> x.name().equals("Refuses prompts in capitals."))
            .findFirst();
    return c.map(x -> x.section() + "|" + x.name() + "|" + x.status()).orElse("absent");
  }

  private static dev.lmgate.spi.Conversation text(String s) {
    return OfflineGuard.conversation(JSON.createObjectNode().put("text", s));
  }

  private static int chat(Gateway gw, String prompt) throws Exception {
    String body =
        JSON.writeValueAsString(
            JSON.createObjectNode()
                .put("model", "qwen2.5-7b-instruct")
                .set(
                    "messages",
                    JSON.createArrayNode()
                        .add(JSON.createObjectNode().put("role", "user").put("content", prompt))));
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://127.0.0.1:" + gw.address().getPort() + "/v1/chat/completions"))
                    .header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    return r.statusCode();
  }
}
