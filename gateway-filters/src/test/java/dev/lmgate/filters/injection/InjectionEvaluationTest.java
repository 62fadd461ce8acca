package dev.lmgate.filters.injection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lmgate.filters.text.TextNormalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link InjectionEvaluation} scores every prompt with a classifier that did not train on it (or,
 * leaving a source out, on anything from its source). The corpora here are made of pseudo-words
 * that no rule knows, so only what the classifier learnt can tell attack from benign.
 */
class InjectionEvaluationTest {
  /** Flags what the classifier alone is confident of, as the detector counts it. */
  static final InjectionEvaluation.Guard CLASSIFIER_ONLY =
      c -> text -> c != null && c.score(TextNormalizer.normalize(text).text()) >= 0.8;

  static String words(Random random, List<String> vocabulary, int n) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      sb.append(vocabulary.get(random.nextInt(vocabulary.size()))).append(' ');
    }
    return sb.toString().strip();
  }

  static List<String> vocabulary(Random random, int n) {
    List<String> v = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      StringBuilder w = new StringBuilder();
      for (int k = 0, len = 6 + random.nextInt(5); k < len; k++) {
        w.append((char) ('a' + random.nextInt(26)));
      }
      v.add(w.toString());
    }
    return v;
  }

  /** Rows of a source group whose texts draw on one vocabulary ({@code null}: each its own). */
  static List<Corpus.Row> rows(
      Random random, String category, String label, int n, boolean shared) {
    List<String> groupWords = vocabulary(random, 40);
    List<Corpus.Row> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      List<String> v = shared ? groupWords : vocabulary(random, 40);
      out.add(new Corpus.Row(category + i, words(random, v, 40), label, category, "test"));
    }
    return out;
  }

  @Test
  void crossValidationScoresEachPromptWithAClassifierThatDidNotTrainOnIt() {
    Random random = new Random(7);
    List<Corpus.Row> corpus = new ArrayList<>(rows(random, "jailbreak:x", "attack", 60, false));
    corpus.addAll(rows(random, "benign:y", "benign", 60, false));

    InjectionEvaluation.Report all =
        InjectionEvaluation.trainedOnAll(corpus, List.of(), CLASSIFIER_ONLY);
    InjectionEvaluation.Report cv =
        InjectionEvaluation.crossValidated(corpus, List.of(), 5, 42, CLASSIFIER_ONLY);

    // every text is its own vocabulary: a classifier that saw a text knows it, none other does
    assertThat(all.of(InjectionEvaluation.Slice.INJECTION).rate()).isGreaterThan(0.9);
    assertThat(cv.of(InjectionEvaluation.Slice.INJECTION).rate()).isLessThan(0.1);
    assertThat(cv.of(InjectionEvaluation.Slice.INJECTION).prompts()).isEqualTo(60);
    assertThat(cv.of(InjectionEvaluation.Slice.PLAIN_BENIGN).prompts()).isEqualTo(60);
  }

  @Test
  void leavingASourceOutScoresItWithAClassifierThatNeverSawThatSource() {
    Random random = new Random(11);
    List<Corpus.Row> corpus = new ArrayList<>(rows(random, "jailbreak:a", "attack", 30, true));
    corpus.addAll(rows(random, "jailbreak:b", "attack", 30, true));
    corpus.addAll(rows(random, "benign:c", "benign", 30, true));
    corpus.addAll(rows(random, "benign:d", "benign", 30, true));

    InjectionEvaluation.Report cv =
        InjectionEvaluation.crossValidated(corpus, List.of(), 5, 42, CLASSIFIER_ONLY);
    InjectionEvaluation.Report loso =
        InjectionEvaluation.leaveOneSourceOut(corpus, List.of(), CLASSIFIER_ONLY);

    // a source's words are learnt from its other prompts in a fold, never when it is left out
    assertThat(cv.byGroup().get("jailbreak:a | attack").rate()).isGreaterThan(0.9);
    assertThat(loso.byGroup().get("jailbreak:a | attack").rate()).isLessThan(0.1);
    assertThat(loso.byGroup().get("jailbreak:b | attack").prompts()).isEqualTo(30);
  }

  @Test
  void rowsAlsoTrainedOnAreNeverScored() {
    Random random = new Random(3);
    List<Corpus.Row> corpus = new ArrayList<>(rows(random, "jailbreak:x", "attack", 20, true));
    corpus.addAll(rows(random, "benign:y", "benign", 20, true));
    List<Corpus.Row> extra = rows(random, "jailbreak:z", "attack", 15, true);

    InjectionEvaluation.Report cv =
        InjectionEvaluation.crossValidated(corpus, extra, 5, 42, CLASSIFIER_ONLY);

    assertThat(cv.byGroup()).containsOnlyKeys("jailbreak:x | attack", "benign:y | benign");
  }

  @Test
  void foldsAreSeededAndHoldAboutAKthOfEachSourceGroup() {
    Random random = new Random(5);
    List<Corpus.Row> corpus = new ArrayList<>(rows(random, "jailbreak:a", "attack", 23, false));
    corpus.addAll(rows(random, "benign:b", "benign", 41, false));

    int[] folds = InjectionEvaluation.folds(corpus, 5, 42);

    assertThat(InjectionEvaluation.folds(corpus, 5, 42)).isEqualTo(folds);
    assertThat(InjectionEvaluation.folds(corpus, 5, 43)).isNotEqualTo(folds);
    Map<String, int[]> perGroup = new HashMap<>();
    for (int i = 0; i < corpus.size(); i++) {
      perGroup.computeIfAbsent(corpus.get(i).group(), k -> new int[5])[folds[i]]++;
    }
    for (int[] counts : perGroup.values()) {
      int min = Integer.MAX_VALUE;
      int max = 0;
      for (int c : counts) {
        min = Math.min(min, c);
        max = Math.max(max, c);
      }
      assertThat(max - min).as("rows of a group per fold").isLessThanOrEqualTo(1);
    }
  }
}
