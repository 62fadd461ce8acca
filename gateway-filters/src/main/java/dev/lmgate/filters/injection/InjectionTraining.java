package dev.lmgate.filters.injection;

import dev.lmgate.filters.text.TextNormalizer;
import java.util.List;

/**
 * How the shipped classifier is trained, so that anyone can reproduce it bit for bit ({@code lmgate
 * guard train}, docs/guard-efficacy.md): on the labelled prompts' jailbreak and prompt-leak attacks
 * against every benign prompt, of the dev corpus and then the training corpus ({@code
 * ../shared/corpus/train}); seed 42, 8 epochs.
 *
 * <p>Left out of training: harmful requests (no injection technique: not this detector's job) and
 * indirect injections — in the dev corpus every one shares its document with a benign twin, so a
 * classifier learns the documents, not the injections; structural rules detect those.
 */
public final class InjectionTraining {
  public static final long SEED = 42;
  public static final int EPOCHS = 8;

  private InjectionTraining() {}

  /** Whether a labelled row trains the classifier. */
  public static boolean trainsOn(Corpus.Row r) {
    return !r.harmfulRequest() && !r.category().startsWith("prompt_injection:indirect");
  }

  public static InjectionClassifier train(List<Corpus.Row> rows) {
    return trainOn(
        rows.stream().filter(InjectionTraining::trainsOn).map(InjectionTraining::example).toList());
  }

  /** A training row as the classifier sees it: its normalized text and whether it is an attack. */
  static InjectionClassifier.Example example(Corpus.Row r) {
    return new InjectionClassifier.Example(
        TextNormalizer.normalize(r.text()).text(), r.injection());
  }

  /** Trains on the examples of the rows that {@link #trainsOn}, in their order. */
  static InjectionClassifier trainOn(List<InjectionClassifier.Example> examples) {
    return InjectionClassifier.train(examples, SEED, EPOCHS);
  }
}
