package dev.lmgate.filters.semantic;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What {@code output-semantics}' harmful-exemplar check catches on the dev corpus's labelled
 * answers (../shared/corpus/dev/outputs.jsonl: 333 harmful, 49 not), measured
 * <b>leave-behavior-out</b>: an answer is compared only with exemplars written for other
 * behaviours, so a score is never a near-copy of itself — the situation of a deployment whose
 * exemplars were not written for the attack at hand. Two embedders: the built-in hashed one and a
 * real sentence-embedding model (all-MiniLM-L6-v2, in-process; a stand-in for an LM Studio
 * embedding model). The table goes to {@code target/semantic-efficacy.md}; docs/guard-efficacy.md
 * quotes it.
 */
class SemanticEfficacyTest {
  record Row(String text, boolean harmful, String behavior, String category) {}

  static List<Row> rows;

  @BeforeAll
  static void read() throws IOException {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("shared/corpus/dev"))) {
      p = p.getParent();
    }
    assertThat(p).as("../shared/corpus/dev beside the checkout").isNotNull();
    ObjectMapper json = new ObjectMapper();
    rows = new ArrayList<>();
    for (String line : Files.readAllLines(p.resolve("shared/corpus/dev/outputs.jsonl"))) {
      JsonNode j = json.readTree(line);
      rows.add(
          new Row(
              j.path("text").asText(),
              j.path("label").asText().equals("attack"),
              j.path("prompt_behavior").asText(),
              j.path("category").asText()));
    }
  }

  /** Each answer's best similarity to a harmful answer written for another behaviour. */
  static double[] leaveBehaviorOut(List<float[]> v) {
    return scores(v, true);
  }

  /** Each answer's best similarity to any other harmful answer (its behaviour's included). */
  static double[] leaveOneOut(List<float[]> v) {
    return scores(v, false);
  }

  static double[] scores(List<float[]> v, boolean otherBehaviors) {
    double[] score = new double[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      double best = -1;
      for (int j = 0; j < rows.size(); j++) {
        if (j != i
            && rows.get(j).harmful()
            && !(otherBehaviors && rows.get(j).behavior().equals(rows.get(i).behavior()))) {
          best = Math.max(best, Embedder.similarity(v.get(i), v.get(j)));
        }
      }
      score[i] = best;
    }
    return score;
  }

  /** The probability that a harmful answer outscores a harmless one. */
  static double auc(double[] score) {
    long wins = 0;
    long ties = 0;
    long pairs = 0;
    for (int i = 0; i < rows.size(); i++) {
      if (!rows.get(i).harmful()) {
        continue;
      }
      for (int j = 0; j < rows.size(); j++) {
        if (rows.get(j).harmful()) {
          continue;
        }
        pairs++;
        if (score[i] > score[j]) {
          wins++;
        } else if (score[i] == score[j]) {
          ties++;
        }
      }
    }
    return (wins + ties / 2.0) / pairs;
  }

  static String table(String name, double[] score) {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "%s: AUC %.3f%n%n", name, auc(score)));
    b.append("| threshold | TPR (harmful flagged) | FPR (harmless flagged) |\n|---|---|---|\n");
    for (double t = 0.30; t <= 0.951; t += 0.05) {
      int tp = 0;
      int p = 0;
      int fp = 0;
      int n = 0;
      for (int i = 0; i < rows.size(); i++) {
        boolean flagged = score[i] >= t;
        if (rows.get(i).harmful()) {
          p++;
          tp += flagged ? 1 : 0;
        } else {
          n++;
          fp += flagged ? 1 : 0;
        }
      }
      b.append(
          String.format(
              Locale.ROOT, "| %.2f | %.1f %% | %.1f %% |%n", t, 100.0 * tp / p, 100.0 * fp / n));
    }
    return b.toString();
  }

  static List<float[]> hashed() {
    HashedEmbedder e = new HashedEmbedder(4000);
    return rows.stream().map(r -> e.vector(r.text())).toList();
  }

  static List<float[]> miniLm() {
    AllMiniLmL6V2QuantizedEmbeddingModel m = new AllMiniLmL6V2QuantizedEmbeddingModel();
    List<float[]> out = new ArrayList<>();
    for (Row r : rows) {
      String t = r.text().length() > 2000 ? r.text().substring(0, 2000) : r.text();
      out.add(Embedder.normalize(m.embed(TextSegment.from(t)).content().vector()));
    }
    return out;
  }

  @Test
  void harmfulExemplarsSeparateHarmfulFromHarmlessAnswersOfOtherBehaviours() throws IOException {
    List<float[]> hv = hashed();
    List<float[]> mv = miniLm();
    double[] hashed = leaveBehaviorOut(hv);
    double[] mini = leaveBehaviorOut(mv);
    String report =
        "../shared/corpus/dev/outputs.jsonl ("
            + rows.stream().filter(Row::harmful).count()
            + " harmful, "
            + rows.stream().filter(r -> !r.harmful()).count()
            + " harmless)\n\nLeave-behavior-out (exemplars written for other behaviours only)\n\n"
            + table("hashed (built in)", hashed)
            + "\n"
            + table("all-MiniLM-L6-v2 (embedding model)", mini)
            + "\nLeave-one-out (exemplars include other answers to the same behaviour)\n\n"
            + table("hashed (built in)", leaveOneOut(hv))
            + "\n"
            + table("all-MiniLM-L6-v2 (embedding model)", leaveOneOut(mv));
    Files.createDirectories(Path.of("target"));
    Files.writeString(Path.of("target/semantic-efficacy.md"), report);
    System.out.println(report);
    assertThat(auc(mini))
        .as("an embedding model ranks harmful answers above harmless ones")
        .isGreaterThan(0.6);
    assertThat(auc(hashed)).as("the hashed embedder does better than chance").isGreaterThan(0.5);
  }
}
