package dev.lmgate.filters.injection;

import static dev.lmgate.filters.TestConversations.user;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lmgate.filters.sensitive.SensitiveData;
import dev.lmgate.spi.ConfigException;
import dev.lmgate.spi.FilterEnvironment;
import dev.lmgate.spi.FilterSettings;
import dev.lmgate.spi.SecurityEventSink;
import dev.lmgate.spi.Verdict;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The targets of docs/guard-efficacy.md, checked where they mean something: on prompts the
 * classifier did not train on. The shipped classifier is trained on the whole dev corpus, so its
 * figures on that corpus say nothing about overfitting; here every prompt is scored by a guard
 * whose classifier was retrained (with the shipped training code) without it — 5-fold
 * cross-validation, and leave-one-source-out for prompts of a source it never saw. The guard is the
 * {@code prompt-injection} filter as the shipped config builds it.
 *
 * <p>Targets: injection TPR >= 90 % with plain-benign FPR <= 1 % and hard-negative FPR <= 5 % (held
 * on 5-fold cross-validation); leave-one-source-out misses the TPR target, and the floors below are
 * what the docs state for it. Also: structured span recall >= 99 % and precision >= 97 %, and the
 * shipped classifier is exactly what {@code lmgate guard train} makes from the dev and training
 * corpora, and on both, scored leave one source out, unseen benign sources stay under 0.5 %.
 */
class HeldOutTargetsTest {
  static Path dev;
  static List<Corpus.Row> prompts;

  /** The training corpus, which the shipped classifier also trains on (never scored here). */
  static List<Corpus.Row> train;

  @BeforeAll
  static void locate() throws IOException {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("shared/corpus/dev"))) {
      p = p.getParent();
    }
    assertThat(p).as("../shared/corpus/dev beside the checkout").isNotNull();
    dev = p.resolve("shared/corpus/dev");
    prompts = Corpus.read(dev.resolve("prompts.jsonl"));
    train = Corpus.read(p.resolve("shared/corpus/train/prompts.jsonl"));
  }

  /**
   * The {@code prompt-injection} filter with the shipped settings, built by its factory around a
   * given classifier ({@code null}: {@code classifier: false}); flagged = not passed.
   */
  static final InjectionEvaluation.Guard SHIPPED_FILTER =
      classifier -> {
        FilterEnvironment env = FilterEnvironment.of(Clock.systemUTC(), SecurityEventSink.NONE);
        if (classifier != null) {
          env.shared(
              PromptInjectionFilter.SHARED_CLASSIFIER, InjectionClassifier.class, () -> classifier);
        }
        PromptInjectionFilter filter;
        try {
          filter =
              (PromptInjectionFilter)
                  new PromptInjectionFilter.Factory()
                      .create(
                          "filters[0]",
                          new ObjectMapper()
                              .createObjectNode()
                              .put("classifier", classifier != null),
                          FilterSettings.defaults(FilterSettings.Action.BLOCK),
                          env);
        } catch (ConfigException e) {
          throw new AssertionError(e);
        }
        return text ->
            filter.verdict(filter.assess(user(text)), "openai-chat").kind() != Verdict.Kind.PASS;
      };

  @Test
  void theTargetsHoldOnFoldsTheClassifierDidNotTrainOn() {
    InjectionEvaluation.Report cv =
        InjectionEvaluation.crossValidated(prompts, train, 5, 42, SHIPPED_FILTER);
    assertThat(cv.of(InjectionEvaluation.Slice.INJECTION).rate()).isGreaterThanOrEqualTo(0.90);
    assertThat(cv.of(InjectionEvaluation.Slice.PLAIN_BENIGN).rate()).isLessThanOrEqualTo(0.01);
    assertThat(cv.of(InjectionEvaluation.Slice.HARD_NEGATIVE).rate()).isLessThanOrEqualTo(0.05);
  }

  @Test
  void onSourcesTheClassifierNeverSawTheFiguresStayAtTheirDocumentedFloors() {
    InjectionEvaluation.Report loso =
        InjectionEvaluation.leaveOneSourceOut(prompts, train, SHIPPED_FILTER);
    // docs/guard-efficacy.md: the 90 % target is missed here (88.1 %); these are its floors
    assertThat(loso.of(InjectionEvaluation.Slice.INJECTION).rate()).isGreaterThanOrEqualTo(0.88);
    assertThat(loso.of(InjectionEvaluation.Slice.PLAIN_BENIGN).rate()).isLessThanOrEqualTo(0.011);
    assertThat(loso.of(InjectionEvaluation.Slice.HARD_NEGATIVE).rate()).isLessThanOrEqualTo(0.025);
  }

  /**
   * Both corpora scored, each source group by a classifier trained without it: the classifier's
   * threshold was chosen so that sources it never saw keep the plain-benign false-positive rate at
   * or under 0.5 %; the detection rate here (far under the target: the training corpus's injection
   * families are ones the rules were not written for) has its documented floor.
   */
  @Test
  void onEverySourceOfBothCorporaTheClassifierKeepsUnseenBenignSourcesUnderHalfAPercent() {
    List<Corpus.Row> both = new java.util.ArrayList<>(prompts);
    both.addAll(train);
    InjectionEvaluation.Report loso =
        InjectionEvaluation.leaveOneSourceOut(both, List.of(), SHIPPED_FILTER);
    assertThat(loso.of(InjectionEvaluation.Slice.PLAIN_BENIGN).rate()).isLessThanOrEqualTo(0.005);
    assertThat(loso.of(InjectionEvaluation.Slice.HARD_NEGATIVE).rate()).isLessThanOrEqualTo(0.03);
    assertThat(loso.of(InjectionEvaluation.Slice.INJECTION).rate()).isGreaterThanOrEqualTo(0.40);
  }

  @Test
  void structuredSensitiveDataIsFoundWithItsExactSpans() throws IOException {
    Set<String> structured =
        Set.of(
            "EMAIL_ADDRESS",
            "PHONE_NUMBER",
            "CREDIT_CARD",
            "IBAN_CODE",
            "IP_ADDRESS",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "GITHUB_TOKEN",
            "GITHUB_FINE_GRAINED_PAT",
            "OPENAI_API_KEY",
            "ANTHROPIC_API_KEY",
            "SLACK_TOKEN",
            "STRIPE_SECRET_KEY",
            "GOOGLE_API_KEY",
            "HUGGINGFACE_TOKEN",
            "JWT",
            "PRIVATE_KEY");
    ObjectMapper json = new ObjectMapper();
    int tp = 0;
    int fn = 0;
    int fp = 0;
    for (String line : Files.readAllLines(dev.resolve("pii.jsonl"))) {
      JsonNode r = json.readTree(line);
      String text = r.path("text").asText();
      Set<String> expected = new HashSet<>();
      for (JsonNode s : r.path("spans")) {
        if (structured.contains(s.path("type").asText())) {
          expected.add(
              s.path("type").asText()
                  + "@"
                  + text.offsetByCodePoints(0, s.path("start").asInt())
                  + "-"
                  + text.offsetByCodePoints(0, s.path("end").asInt()));
        }
      }
      Set<String> got = new HashSet<>();
      for (SensitiveData.Finding f : SensitiveData.find(text)) {
        if (structured.contains(f.kind())) {
          got.add(f.kind() + "@" + f.start() + "-" + f.end());
        }
      }
      for (String e : expected) {
        if (got.contains(e)) {
          tp++;
        } else {
          fn++;
        }
      }
      for (String g : got) {
        fp += expected.contains(g) ? 0 : 1;
      }
    }
    assertThat((double) tp / (tp + fn)).isGreaterThanOrEqualTo(0.99);
    assertThat((double) tp / (tp + fp)).isGreaterThanOrEqualTo(0.97);
  }

  @Test
  void theShippedClassifierIsReproducibleFromTheCorpus() throws IOException {
    ByteArrayOutputStream trained = new ByteArrayOutputStream();
    List<Corpus.Row> both = new java.util.ArrayList<>(prompts);
    both.addAll(train); // lmgate guard train --corpus dev --corpus train
    InjectionTraining.train(both).write(trained);
    byte[] shipped;
    try (InputStream in =
        InjectionClassifier.class.getResourceAsStream("injection-classifier.bin.gz")) {
      shipped = in.readAllBytes();
    }
    assertThat(trained.toByteArray()).isEqualTo(shipped);
  }

  @Test
  void theShippedModelOfOrdinaryTextIsReproducibleFromTheTrainingCorpusAlone() throws IOException {
    ByteArrayOutputStream trained = new ByteArrayOutputStream();
    // lmgate guard train-suffix --corpus train: its benign prompts only, so dev measures it
    ImprobableText.train(
            train.stream().filter(r -> r.label().equals("benign")).map(Corpus.Row::text).toList())
        .write(trained);
    byte[] shipped;
    try (InputStream in = ImprobableText.class.getResourceAsStream("improbable-text.bin.gz")) {
      shipped = in.readAllBytes();
    }
    assertThat(trained.toByteArray()).isEqualTo(shipped);
  }
}
