package dev.lmgate.filters.injection;

import static dev.lmgate.filters.TestConversations.user;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lmgate.filters.sensitive.SensitiveData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The issue's targets, held as a regression floor on the dev corpus (../shared/corpus/dev):
 * injection TPR >= 90 % with plain-benign FPR <= 1 % and hard-negative FPR <= 5 %, structured span
 * recall >= 99 % and precision >= 97 %; and the shipped classifier is exactly what {@code lmgate
 * guard train} makes from that corpus. docs/guard-efficacy.md has the full table and the estimates
 * for data from other sources.
 */
class DevCorpusTargetsTest {
  static Path dev;
  static List<Corpus.Row> prompts;

  @BeforeAll
  static void locate() throws IOException {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("shared/corpus/dev"))) {
      p = p.getParent();
    }
    assertThat(p).as("../shared/corpus/dev beside the checkout").isNotNull();
    dev = p.resolve("shared/corpus/dev");
    prompts = Corpus.read(dev.resolve("prompts.jsonl"));
  }

  static boolean hardNegative(Corpus.Row r) {
    return r.category().startsWith("benign:notinject")
        || r.category().startsWith("benign:wildguard")
        || r.category().endsWith("mentions_attack_terms");
  }

  double rate(InjectionDetector d, Predicate<Corpus.Row> which) {
    List<Corpus.Row> rows = prompts.stream().filter(which).toList();
    long flagged = rows.stream().filter(r -> d.scan(user(r.text())).score() >= 0.5).count();
    return (double) flagged / rows.size();
  }

  @Test
  void theFastTierMeetsTheTargetsOnTheDevCorpus() {
    InjectionDetector d =
        new InjectionDetector(InjectionDetector.Settings.DEFAULT, InjectionClassifier.builtIn());
    assertThat(rate(d, Corpus.Row::injection)).isGreaterThanOrEqualTo(0.90);
    assertThat(rate(d, r -> r.label().equals("benign") && !hardNegative(r)))
        .isLessThanOrEqualTo(0.01);
    assertThat(rate(d, r -> r.label().equals("benign") && hardNegative(r)))
        .isLessThanOrEqualTo(0.05);
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
    InjectionTraining.train(prompts).write(trained);
    byte[] shipped;
    try (InputStream in =
        InjectionClassifier.class.getResourceAsStream("injection-classifier.bin.gz")) {
      shipped = in.readAllBytes();
    }
    assertThat(trained.toByteArray()).isEqualTo(shipped);
  }
}
