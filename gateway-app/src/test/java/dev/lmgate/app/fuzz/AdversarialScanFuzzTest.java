package dev.lmgate.app.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.lmgate.filters.budget.ScanBudget;
import dev.lmgate.filters.budget.ScanBudgetExceeded;
import dev.lmgate.filters.injection.InjectionClassifier;
import dev.lmgate.filters.injection.InjectionDetector;
import dev.lmgate.filters.sensitive.SensitiveData;
import dev.lmgate.filters.text.TextNormalizer;
import java.time.Duration;

/**
 * The text scanners on worst cases built on purpose ({@link AdversarialInputs}: dense triggers,
 * nested and unclosed markup, long e-mail, URL and number look-alikes...), the fuzzer choosing the
 * generator, the piece woven in and the size: every scanner either finishes or stops with {@link
 * ScanBudgetExceeded} — never a stack overflow or any other failure.
 */
class AdversarialScanFuzzTest {
  static final InjectionDetector DETECTOR =
      new InjectionDetector(InjectionDetector.Settings.DEFAULT, InjectionClassifier.builtIn());

  @FuzzTest(maxDuration = "10s")
  void scannersFinishOrStopWithinTheirBudgetOnWorstCases(FuzzedDataProvider data) {
    AdversarialInputs.Generator g = data.pickValue(AdversarialInputs.ALL);
    int size = data.consumeInt(1, 200_000);
    String text = g.text(data.consumeString(16), size);
    ScanBudget budget = ScanBudget.of(Duration.ofSeconds(2));
    try {
      assertThat(TextNormalizer.normalize(text).text()).isNotNull();
      InjectionDetector.Result r = DETECTOR.scanText(text, "x", false, budget);
      assertThat(r.score()).isBetween(0.0, 1.0);
      for (SensitiveData.Finding f :
          SensitiveData.find(
              text, dev.lmgate.filters.sensitive.PhoneNumbers.Plan.DEFAULT, budget)) {
        assertThat(f.end()).isLessThanOrEqualTo(text.length());
      }
    } catch (ScanBudgetExceeded expected) {
      assertThat(budget.exhausted()).as(g + ": stopped only when out of budget").isTrue();
    }
  }
}
