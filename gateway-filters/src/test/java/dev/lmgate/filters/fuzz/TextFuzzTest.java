package dev.lmgate.filters.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.lmgate.filters.sensitive.SensitiveData;
import dev.lmgate.filters.text.TextNormalizer;

/**
 * Text normalization and the sensitive-data detectors on arbitrary text: no exception, findings
 * inside the text and in order, and redaction leaves no finding behind.
 */
class TextFuzzTest {
  @FuzzTest(maxDuration = "10s")
  void normalizationAndDetectorsTakeAnyText(FuzzedDataProvider data) {
    String text = data.consumeRemainingAsString();
    TextNormalizer.Normalized n = TextNormalizer.normalize(text);
    assertThat(n.text()).isNotNull();
    int last = 0;
    for (SensitiveData.Finding f : SensitiveData.find(text)) {
      assertThat(f.start()).isBetween(last, f.end());
      assertThat(f.end()).isLessThanOrEqualTo(text.length());
      last = f.start();
    }
    String redacted = SensitiveData.redact(text);
    assertThat(SensitiveData.find(redacted)).as("redaction leaves nothing to find").isEmpty();
  }
}
