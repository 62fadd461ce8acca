package dev.lmgate.app.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.lmgate.app.config.ConfigLoader;
import dev.lmgate.app.config.GatewayConfig;
import dev.lmgate.filters.BuiltinFilters;
import dev.lmgate.spi.ConfigException;
import dev.lmgate.spi.GatewayFilter;
import java.util.List;

/**
 * The config loader on arbitrary YAML, seeded with fragments of real settings: a config either
 * loads or is refused with a ConfigException naming the setting in the form {@code path: value
 * (expected: …)} — never another exception; the outcome is the same every time; and a config that
 * loads holds what the gateway relies on: only built-in filters, each once, {@code authenticate}
 * before the filters that judge the caller, and positive timeouts.
 */
class ConfigFuzzTest {
  static final String[] FRAGMENTS = {
    "server:\n  port: 0\n",
    "upstream:\n  url: http://127.0.0.1:1\n",
    "filters:\n",
    "  - id: sanitize\n",
    "  - id: output-patterns\n    rules:\n      - name: a\n        pattern: 'x+'\n",
    "  - id: rate-limit\n    default: {requests: 5/1m}\n",
    "  - id: request-limits\n    max-output-tokens: 9\n",
    "    action: alert\n",
    "    timeout: 1s\n",
    "    on-error: fail-open\n",
    "audit:\n  enabled: false\n",
    "secrets:\n  refresh: 1m\n",
    "admin:\n  enabled: false\n",
    "  - id: prompt-injection\n    threshold: 0.7\n",
    "  - id: model-policy\n    deny: ['*x*']\n"
  };

  @FuzzTest(maxDuration = "10s")
  void aConfigLoadsOrIsRefusedWithItsSetting(FuzzedDataProvider data) {
    StringBuilder yaml = new StringBuilder();
    int parts = data.consumeInt(0, 8);
    for (int i = 0; i < parts; i++) {
      yaml.append(data.consumeBoolean() ? data.pickValue(FRAGMENTS) : data.consumeString(60));
    }
    String first = outcome(yaml.toString());
    assertThat(outcome(yaml.toString())).as("the same config, the same outcome").isEqualTo(first);
  }

  /** Loads a config: "loads" or the refusal's message, after checking either. */
  static String outcome(String yaml) {
    ConfigLoader loader = new ConfigLoader(k -> null);
    try {
      GatewayConfig c = loader.parse(yaml);
      List<String> ids = c.filters().stream().map(GatewayFilter::id).toList();
      assertThat(ids).doesNotHaveDuplicates();
      assertThat(BuiltinFilters.ids()).containsAll(ids);
      int auth = ids.indexOf("authenticate");
      for (String judging : List.of("authorize", "rate-limit")) {
        if (ids.contains(judging)) {
          assertThat(auth)
              .as("authenticate before %s in %s", judging, ids)
              .isBetween(0, ids.indexOf(judging));
        }
      }
      c.filters().forEach(f -> assertThat(f.settings().timeout()).isPositive());
      return "loads";
    } catch (ConfigException e) {
      assertThat(e.path()).as("the refused setting is named").isNotBlank();
      assertThat(e.getMessage()).startsWith(e.path() + ": ").contains(" (expected: ");
      return e.getMessage();
    } finally {
      loader.environment().close();
    }
  }
}
