package dev.lmgate.app.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.lmgate.app.config.ConfigLoader;
import dev.lmgate.spi.ConfigException;

/**
 * The config loader on arbitrary YAML, seeded with fragments of real settings: a config either
 * loads or is refused with a ConfigException naming the setting — never another exception.
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
    ConfigLoader loader = new ConfigLoader(k -> null);
    try {
      loader.parse(yaml.toString());
    } catch (ConfigException expected) {
      // refused with the setting named: fine
    } finally {
      loader.environment().close();
    }
  }
}
