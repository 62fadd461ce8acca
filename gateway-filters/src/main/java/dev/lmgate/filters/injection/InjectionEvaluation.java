package dev.lmgate.filters.injection;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Estimates of the prompt-injection guard on prompts its classifier did not train on ({@code lmgate
 * guard evaluate}, docs/guard-efficacy.md). The classifier is retrained with {@link
 * InjectionTraining} — the code that makes the shipped model — on every training split; the rules
 * are fixed. The rules were written with the dev corpus in view, so no split of that corpus
 * measures them on unseen data: these figures say how much the classifier memorizes, and only data
 * from other sources (the held-out acceptance set) measures the rules.
 *
 * <p>Every estimate is deterministic: folds come from a seeded shuffle, training is seeded.
 */
public final class InjectionEvaluation {
  private InjectionEvaluation() {}

  /**
   * The guard as configured, with a given classifier: whether it flags a text sent as a user
   * message. {@code null} asks for the guard without a classifier (rules only).
   */
  public interface Guard extends Function<InjectionClassifier, Predicate<String>> {}

  /** How many prompts of a slice were scored and how many of them the guard flagged. */
  public record Tally(int prompts, int flagged) {
    public static final Tally ZERO = new Tally(0, 0);

    public double rate() {
      return prompts == 0 ? 0 : (double) flagged / prompts;
    }

    Tally plus(boolean hit) {
      return new Tally(prompts + 1, flagged + (hit ? 1 : 0));
    }
  }

  /** The slices of a corpus the targets are stated for (the dev corpus README's definitions). */
  public enum Slice {
    /** Injection and jailbreak attacks: the detection rate. */
    INJECTION("injection and jailbreak attacks (TPR)"),
    /** Plainly harmful requests with no injection technique: reported apart, not a target. */
    HARMFUL("harmful requests without a technique (not scored as injection)"),
    /** Benign prompts other than the hard negatives: the false-positive rate. */
    PLAIN_BENIGN("plain benign (FPR)"),
    /** Benign prompts full of attack vocabulary: their false-positive rate. */
    HARD_NEGATIVE("hard negatives (FPR)");

    public final String label;

    Slice(String label) {
      this.label = label;
    }

    static Slice of(Corpus.Row r) {
      if (r.injection()) {
        return INJECTION;
      }
      if (r.harmfulRequest()) {
        return HARMFUL;
      }
      return r.hardNegative() ? HARD_NEGATIVE : PLAIN_BENIGN;
    }
  }

  /**
   * What the guard flagged of each scored prompt, by slice and by source group ({@link
   * Corpus.Row#group()} and label).
   */
  public record Report(Map<Slice, Tally> bySlice, Map<String, Tally> byGroup) {
    public Tally of(Slice slice) {
      return bySlice.getOrDefault(slice, Tally.ZERO);
    }

    static Report of(List<Corpus.Row> rows, boolean[] flagged) {
      Map<Slice, Tally> bySlice = new LinkedHashMap<>();
      Map<String, Tally> byGroup = new TreeMap<>();
      for (int i = 0; i < rows.size(); i++) {
        Corpus.Row r = rows.get(i);
        if (!"attack".equals(r.label()) && !"benign".equals(r.label())) {
          continue;
        }
        bySlice.merge(Slice.of(r), Tally.ZERO.plus(flagged[i]), Report::sum);
        byGroup.merge(groupKey(r), Tally.ZERO.plus(flagged[i]), Report::sum);
      }
      return new Report(Map.copyOf(bySlice), Collections.unmodifiableMap(byGroup));
    }

    private static Tally sum(Tally a, Tally b) {
      return new Tally(a.prompts() + b.prompts(), a.flagged() + b.flagged());
    }
  }

  /** The key a row is reported under: its source group and its label. */
  public static String groupKey(Corpus.Row r) {
    return r.group() + " | " + r.label();
  }

  /**
   * The guard with one classifier trained on all of {@code rows} and {@code alsoTrain}: with the
   * dev corpus and nothing else, the shipped model scored on its own training data (optimistic).
   */
  public static Report trainedOnAll(
      List<Corpus.Row> rows, List<Corpus.Row> alsoTrain, Guard guard) {
    Predicate<String> g = guard.apply(train(rows, alsoTrain, new IdentityHashMap<>()));
    return Report.of(rows, score(rows, g));
  }

  /**
   * The guard with a classifier trained on {@code elsewhere} alone, scoring every row: when those
   * prompts come from other sources (the training corpus is deduplicated against dev), the
   * classifier's figure on data it has never seen any of.
   */
  public static Report trainedElsewhere(
      List<Corpus.Row> rows, List<Corpus.Row> elsewhere, Guard guard) {
    Predicate<String> g = guard.apply(train(elsewhere, List.of(), new IdentityHashMap<>()));
    return Report.of(rows, score(rows, g));
  }

  /** The guard without its classifier. */
  public static Report rulesOnly(List<Corpus.Row> rows, Guard guard) {
    return Report.of(rows, score(rows, guard.apply(null)));
  }

  /**
   * k-fold cross-validation: each row is scored by the guard whose classifier was trained on the
   * other folds (plus {@code alsoTrain}, which is never scored). The folds are stratified by source
   * group and label and drawn with {@code seed}. Near-duplicate variants of one prompt (DAN
   * versions) can fall on both sides of a fold, so this is an upper estimate for new data.
   */
  public static Report crossValidated(
      List<Corpus.Row> rows, List<Corpus.Row> alsoTrain, int folds, long seed, Guard guard) {
    if (folds < 2 || folds > rows.size()) {
      throw new IllegalArgumentException("folds: " + folds + " (expected: 2.." + rows.size() + ")");
    }
    int[] fold = folds(rows, folds, seed);
    Map<Corpus.Row, InjectionClassifier.Example> normalized = new IdentityHashMap<>();
    boolean[] flagged = new boolean[rows.size()];
    for (int k = 0; k < folds; k++) {
      List<Corpus.Row> training = new ArrayList<>();
      List<Integer> held = new ArrayList<>();
      for (int i = 0; i < rows.size(); i++) {
        if (fold[i] == k) {
          held.add(i);
        } else {
          training.add(rows.get(i));
        }
      }
      Predicate<String> g = guard.apply(train(training, alsoTrain, normalized));
      for (int i : held) {
        flagged[i] = g.test(rows.get(i).text());
      }
    }
    return Report.of(rows, flagged);
  }

  /**
   * Leave one source out: for each source group, the guard whose classifier was trained on every
   * other group (plus {@code alsoTrain}, without that group's rows) scores that group — an estimate
   * for a source the classifier has never seen, closer to new traffic than cross-validation.
   */
  public static Report leaveOneSourceOut(
      List<Corpus.Row> rows, List<Corpus.Row> alsoTrain, Guard guard) {
    boolean[] flagged = new boolean[rows.size()];
    eachSourceHeldOut(
        rows,
        alsoTrain,
        (classifier, held) -> {
          Predicate<String> g = guard.apply(classifier);
          for (int i : held) {
            flagged[i] = g.test(rows.get(i).text());
          }
        });
    return Report.of(rows, flagged);
  }

  /**
   * For each source group of {@code rows}: a classifier trained on every other group (and {@code
   * alsoTrain} without that group), and the indexes of the group's rows. A group with nothing to
   * train on leaves the training set as it is: those share one classifier trained on everything.
   */
  private static void eachSourceHeldOut(
      List<Corpus.Row> rows,
      List<Corpus.Row> alsoTrain,
      java.util.function.BiConsumer<InjectionClassifier, List<Integer>> each) {
    Map<String, List<Integer>> byGroup = new TreeMap<>();
    for (int i = 0; i < rows.size(); i++) {
      byGroup.computeIfAbsent(rows.get(i).group(), k -> new ArrayList<>()).add(i);
    }
    Map<Corpus.Row, InjectionClassifier.Example> normalized = new IdentityHashMap<>();
    InjectionClassifier onAll = null;
    for (Map.Entry<String, List<Integer>> e : byGroup.entrySet()) {
      String group = e.getKey();
      boolean trains =
          e.getValue().stream().anyMatch(i -> trainsOn(rows.get(i)))
              || alsoTrain.stream().anyMatch(r -> r.group().equals(group) && trainsOn(r));
      InjectionClassifier c;
      if (trains) {
        c = train(without(rows, group), without(alsoTrain, group), normalized);
      } else {
        if (onAll == null) {
          onAll = train(rows, alsoTrain, normalized);
        }
        c = onAll;
      }
      each.accept(c, e.getValue());
    }
  }

  /**
   * The guard's figures at each classifier threshold, leave one source out: a row is flagged when
   * the rules flag it or when the classifier trained without its source group gives it at least the
   * threshold (its probability on the normalized text, weighted by length as the detector weighs
   * it). What the threshold of a classifier must be chosen on: sources it never saw. With the
   * filter's threshold at or below the classifier's, this is the detector's verdict: a classifier
   * that counts flags the text by itself, one that does not adds nothing, and the rules judge every
   * decoded view in the rules-only guard as in the detector.
   */
  public static Map<Double, Report> classifierThresholds(
      List<Corpus.Row> rows, List<Corpus.Row> alsoTrain, Guard guard, double[] thresholds) {
    boolean[] rules = score(rows, guard.apply(null));
    double[] probability = new double[rows.size()];
    eachSourceHeldOut(
        rows,
        alsoTrain,
        (classifier, held) -> {
          for (int i : held) {
            String text = InjectionTraining.example(rows.get(i)).normalized();
            probability[i] = InjectionDetector.lengthWeighted(classifier.score(text), text);
          }
        });
    Map<Double, Report> out = new LinkedHashMap<>();
    for (double t : thresholds) {
      boolean[] flagged = new boolean[rows.size()];
      for (int i = 0; i < rows.size(); i++) {
        flagged[i] = rules[i] || probability[i] >= t;
      }
      out.put(t, Report.of(rows, flagged));
    }
    return out;
  }

  /**
   * {@code rows} without those of source group {@code group}: a group held out is held out of every
   * corpus that trains, or prompts of the same source (the same generator's suffixes) would be
   * learned from the other corpus.
   */
  private static List<Corpus.Row> without(List<Corpus.Row> rows, String group) {
    return rows.stream().filter(r -> !r.group().equals(group)).toList();
  }

  private static boolean trainsOn(Corpus.Row r) {
    return InjectionTraining.trainsOn(r)
        && ("attack".equals(r.label()) || "benign".equals(r.label()));
  }

  /**
   * {@link InjectionTraining#train} on {@code rows} then {@code alsoTrain}: the same examples in
   * the same order, so the same weights, with each text normalized once per evaluation rather than
   * once per split.
   */
  private static InjectionClassifier train(
      List<Corpus.Row> rows,
      List<Corpus.Row> alsoTrain,
      Map<Corpus.Row, InjectionClassifier.Example> normalized) {
    List<InjectionClassifier.Example> examples = new ArrayList<>();
    for (List<Corpus.Row> part : List.of(rows, alsoTrain)) {
      for (Corpus.Row r : part) {
        if (InjectionTraining.trainsOn(r)) {
          examples.add(normalized.computeIfAbsent(r, InjectionTraining::example));
        }
      }
    }
    return InjectionTraining.trainOn(examples);
  }

  private static boolean[] score(List<Corpus.Row> rows, Predicate<String> guard) {
    boolean[] flagged = new boolean[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      flagged[i] = guard.test(rows.get(i).text());
    }
    return flagged;
  }

  /**
   * Fold of each row: rows shuffled with {@code seed}, ordered by source group and label (the
   * shuffle kept within each), then dealt round-robin, so every fold holds about a k-th of each.
   */
  static int[] folds(List<Corpus.Row> rows, int folds, long seed) {
    Integer[] order = new Integer[rows.size()];
    Arrays.setAll(order, i -> i);
    Collections.shuffle(Arrays.asList(order), new Random(seed));
    // stable: within a group the shuffled order stays
    Arrays.sort(order, Comparator.comparing(i -> groupKey(rows.get(i))));
    int[] fold = new int[rows.size()];
    int n = 0;
    for (int i : order) { // dealt on across groups, so small groups do not all start at fold 0
      fold[i] = n++ % folds;
    }
    return fold;
  }
}
