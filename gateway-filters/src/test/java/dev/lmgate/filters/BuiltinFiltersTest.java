package dev.lmgate.filters;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BuiltinFiltersTest {
  @Test
  void filterIdsAreStableBecauseConfigsMetricsAndAuditRecordsUseThem() {
    assertThat(BuiltinFilters.ids())
        .containsExactly(
            "authenticate",
            "kill-switch",
            "anomaly-detection",
            "authorize",
            "model-policy",
            "rate-limit",
            "request-limits",
            "sanitize",
            "prompt-injection",
            "sensitive-data",
            "prompt-policy",
            "llm-judge",
            "moderation-api",
            "tool-approval",
            "output-semantics",
            "output-patterns");
    for (String id : BuiltinFilters.ids()) {
      assertThat(id).matches("[a-z]+(-[a-z]+)*");
      assertThat(BuiltinFilters.factory(id)).get().extracting(f -> f.id()).isEqualTo(id);
    }
  }
}
