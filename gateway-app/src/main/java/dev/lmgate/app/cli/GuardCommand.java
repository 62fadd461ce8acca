package dev.lmgate.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.lmgate.app.config.ConfigLoader;
import dev.lmgate.app.config.GatewayEnvironment;
import dev.lmgate.filters.injection.Corpus;
import dev.lmgate.filters.injection.ImprobableText;
import dev.lmgate.filters.injection.InjectionClassifier;
import dev.lmgate.filters.injection.InjectionEvaluation;
import dev.lmgate.filters.injection.InjectionTraining;
import dev.lmgate.filters.injection.PromptInjectionFilter;
import dev.lmgate.spi.ConfigException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lmgate guard train}: rebuilds the prompt-injection classifier from a labelled corpus;
 * {@code lmgate guard train-suffix}: rebuilds the model of ordinary text that finds optimized
 * suffixes; {@code lmgate guard evaluate}: measures the guard on prompts its classifier did not
 * train on.
 */
@Command(
    name = "guard",
    mixinStandardHelpOptions = true,
    description = "Work with the input guards' models.",
    subcommands = {
      GuardCommand.Train.class,
      GuardCommand.TrainSuffix.class,
      GuardCommand.Evaluate.class
    })
final class GuardCommand extends CommandGroup {

  /** Writes a trained model to {@code out}, making its directory when missing. */
  interface ModelWriter {
    void write(OutputStream o) throws IOException;
  }

  static void writeModel(Path out, ModelWriter model) throws IOException {
    if (out.toAbsolutePath().getParent() != null) {
      Files.createDirectories(out.toAbsolutePath().getParent());
    }
    try (OutputStream o = Files.newOutputStream(out)) {
      model.write(o);
    }
  }

  /** The rows of every file, in the order given. */
  static List<Corpus.Row> read(List<Path> files) throws IOException {
    List<Corpus.Row> rows = new ArrayList<>();
    for (Path f : files) {
      rows.addAll(Corpus.read(f));
    }
    return rows;
  }

  @Command(
      name = "train",
      mixinStandardHelpOptions = true,
      description =
          "Train the prompt-injection classifier on labelled prompts (deterministic: the same"
              + " corpus gives the same weights) and write it.")
  static final class Train implements Callable<Integer> {
    @Option(
        names = "--corpus",
        required = true,
        paramLabel = "FILE",
        description =
            "Labelled prompts, e.g. ../shared/corpus/dev/prompts.jsonl; repeat it to train on"
                + " several files, in the order given (the shipped model: dev, then train).")
    List<Path> corpus;

    @Option(
        names = "--out",
        required = true,
        paramLabel = "FILE",
        description =
            "Where to write the weights (the shipped ones: gateway-filters/src/main/resources/"
                + "dev/lmgate/filters/injection/injection-classifier.bin.gz).")
    Path out;

    @Override
    public Integer call() {
      try {
        List<Corpus.Row> rows = read(corpus);
        long used = rows.stream().filter(InjectionTraining::trainsOn).count();
        InjectionClassifier c = InjectionTraining.train(rows);
        writeModel(out, c::write);
        System.out.println(
            "trained on "
                + used
                + " of "
                + rows.size()
                + " prompts; wrote "
                + out
                + " (model "
                + c.fingerprint()
                + ")");
        return 0;
      } catch (IOException | RuntimeException e) {
        return Exit.error("guard train", e.getMessage());
      }
    }
  }

  @Command(
      name = "train-suffix",
      mixinStandardHelpOptions = true,
      description =
          "Train the model of ordinary text that scores how improbable a prompt's ending is"
              + " (optimized adversarial suffixes) on the benign prompts of a labelled corpus, with"
              + " its threshold chosen by 5-fold cross-validation inside that corpus"
              + " (deterministic).")
  static final class TrainSuffix implements Callable<Integer> {
    @Option(
        names = "--corpus",
        required = true,
        paramLabel = "FILE",
        description =
            "Labelled prompts whose benign ones are ordinary text (the shipped model:"
                + " ../shared/corpus/train/prompts.jsonl only, so that the dev corpus measures it);"
                + " repeat it for several files, in the order given.")
    List<Path> corpus;

    @Option(
        names = "--out",
        required = true,
        paramLabel = "FILE",
        description =
            "Where to write the model (the shipped one: gateway-filters/src/main/resources/"
                + "dev/lmgate/filters/injection/improbable-text.bin.gz).")
    Path out;

    @Override
    public Integer call() {
      try {
        List<String> benign =
            read(corpus).stream()
                .filter(r -> r.label().equals("benign"))
                .map(Corpus.Row::text)
                .toList();
        ImprobableText m = ImprobableText.train(benign);
        writeModel(out, m::write);
        System.out.printf( // the command's result, for the operator (stdout is its interface)
            Locale.ROOT,
            "trained on %d benign prompts; threshold %.4f; wrote %s%n",
            benign.size(),
            m.threshold(),
            out);
        return 0;
      } catch (IOException | RuntimeException e) {
        return Exit.error("guard train-suffix", e.getMessage());
      }
    }
  }

  @Command(
      name = "evaluate",
      mixinStandardHelpOptions = true,
      description =
          "Measure the prompt-injection guard on labelled prompts its classifier did not train on:"
              + " k-fold cross-validation and leave-one-source-out, the classifier retrained per"
              + " split exactly as 'guard train' does (the rules are fixed), beside the model"
              + " trained on everything and the rules alone. Deterministic (seeded folds).")
  static final class Evaluate implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(
        names = "--corpus",
        required = true,
        paramLabel = "FILE",
        description =
            "Labelled prompts to score, e.g. ../shared/corpus/dev/prompts.jsonl; repeat it to"
                + " score several files as one corpus (leave-one-source-out then holds each"
                + " source group out of all of them).")
    List<Path> corpus;

    @Option(
        names = "--also-train",
        paramLabel = "FILE",
        description =
            "More labelled prompts that every split trains on and that are never scored (e.g."
                + " ../shared/corpus/train/prompts.jsonl); adds a column scored by a classifier"
                + " trained on these alone.")
    List<Path> alsoTrain = new ArrayList<>();

    @Option(
        names = "--folds",
        defaultValue = "5",
        paramLabel = "K",
        description = "Folds of the cross-validation (default: ${DEFAULT-VALUE}).")
    int folds;

    @Option(
        names = "--seed",
        defaultValue = "42",
        paramLabel = "N",
        description = "Seed of the fold assignment (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
        names = "--config",
        paramLabel = "FILE",
        description =
            "Take the prompt-injection filter's settings (threshold, rules, roles) from this"
                + " config (default: the shipped guards).")
    Path config;

    @Override
    public Integer call() {
      PrintStream out = System.out;
      List<GatewayEnvironment> environments = new ArrayList<>();
      try {
        String yaml = config == null ? OfflineGuard.DEFAULTS : Files.readString(config);
        List<Corpus.Row> rows = read(corpus);
        List<Corpus.Row> extra = read(alsoTrain);
        ConfigLoader plain = ConfigLoader.fromEnvironment();
        OfflineGuard.parse(yaml, config, plain); // the whole config must load: fail early, exit 2
        // Each split builds the prompt-injection filter alone, from its own settings: the other
        // filters (identity, audit, ...) play no part and need not be built again and again.
        String injectionOnly = injectionFilterOnly(plain.tree(yaml), true);
        if (injectionOnly == null) {
          return Exit.error("guard evaluate", "the config has no prompt-injection filter");
        }
        String rulesOnly = injectionFilterOnly(plain.tree(yaml), false);
        InjectionEvaluation.Guard guard =
            classifier -> {
              GatewayEnvironment env = new GatewayEnvironment(Clock.systemUTC());
              environments.add(env);
              if (classifier != null) { // the filter takes this instead of the built-in model
                env.shared(
                    PromptInjectionFilter.SHARED_CLASSIFIER,
                    InjectionClassifier.class,
                    () -> classifier);
              }
              OfflineGuard g;
              try {
                g =
                    OfflineGuard.parse(
                        classifier == null ? rulesOnly : injectionOnly,
                        config,
                        new ConfigLoader(System::getenv, env));
              } catch (ConfigException e) {
                throw new IllegalStateException(e.getMessage(), e);
              }
              return text ->
                  g.injectionFlagged(
                      OfflineGuard.conversation(JSON.createObjectNode().put("text", text)));
            };
        Map<String, InjectionEvaluation.Report> columns = new LinkedHashMap<>();
        columns.put("trained on all", InjectionEvaluation.trainedOnAll(rows, extra, guard));
        columns.put(
            folds + "-fold CV",
            InjectionEvaluation.crossValidated(rows, extra, folds, seed, guard));
        columns.put(
            "leave one source out", InjectionEvaluation.leaveOneSourceOut(rows, extra, guard));
        if (!extra.isEmpty()) {
          columns.put(
              "trained on --also-train only",
              InjectionEvaluation.trainedElsewhere(rows, extra, guard));
        }
        columns.put("rules only", InjectionEvaluation.rulesOnly(rows, guard));
        print(out, rows, extra, columns);
        printThresholds(
            out, InjectionEvaluation.classifierThresholds(rows, extra, guard, THRESHOLDS));
        return 0;
      } catch (IOException | ConfigException | RuntimeException e) {
        return Exit.error("guard evaluate", e.getMessage());
      } finally {
        environments.forEach(GatewayEnvironment::close);
      }
    }

    /**
     * A config of the prompt-injection filter's settings alone ({@code null} when there is none),
     * with its classifier as configured or, unless {@code classifier}, turned off.
     */
    private static String injectionFilterOnly(JsonNode root, boolean classifier)
        throws IOException {
      ObjectNode only = JSON.createObjectNode();
      ArrayNode filters = only.putArray("filters");
      for (JsonNode f : root.path("filters")) {
        if (f instanceof ObjectNode o && PromptInjectionFilter.ID.equals(o.path("id").asText())) {
          ObjectNode copy = o.deepCopy();
          if (!classifier) {
            copy.put("classifier", false);
          }
          filters.add(copy);
        }
      }
      return filters.isEmpty()
          ? null
          : new ObjectMapper(new YAMLFactory()).writeValueAsString(only);
    }

    private void print(
        PrintStream out,
        List<Corpus.Row> rows,
        List<Corpus.Row> extra,
        Map<String, InjectionEvaluation.Report> columns) {
      out.println(
          "prompt-injection on "
              + String.join(" + ", corpus.stream().map(Path::toString).toList())
              + " ("
              + rows.size()
              + " prompts"
              + (extra.isEmpty() ? "" : "; every split also trains on " + extra.size() + " more")
              + "), "
              + (config == null ? "the shipped guards" : config.toString())
              + "; flagged: the filter blocks (or alerts)");
      out.println();
      out.println(
          "The classifier is retrained per split with the code of 'lmgate guard train'; the rules"
              + " are fixed (written with this corpus in view, so no split of it measures them on"
              + " unseen data).");
      out.printf(
          Locale.ROOT,
          "%d-fold CV: folds stratified by source group and label, seed %d. Leave one source"
              + " out: each source group scored by a classifier trained without it.%n",
          folds,
          seed);
      out.println();
      header(out, "set", columns);
      for (InjectionEvaluation.Slice s : InjectionEvaluation.Slice.values()) {
        InjectionEvaluation.Tally first = columns.values().iterator().next().of(s);
        if (first.prompts() == 0) {
          continue;
        }
        StringBuilder line = new StringBuilder("| " + s.label + " | " + first.prompts() + " |");
        for (InjectionEvaluation.Report r : columns.values()) {
          line.append(percent(r.of(s))).append(" |");
        }
        out.println(line);
      }
      out.println();
      header(out, "source group | label", columns);
      for (String group : columns.values().iterator().next().byGroup().keySet()) {
        InjectionEvaluation.Tally first = columns.values().iterator().next().byGroup().get(group);
        StringBuilder line = new StringBuilder("| " + group + " | " + first.prompts() + " |");
        for (InjectionEvaluation.Report r : columns.values()) {
          line.append(percent(r.byGroup().get(group))).append(" |");
        }
        out.println(line);
      }
    }

    /** The classifier thresholds the last table compares. */
    static final double[] THRESHOLDS = {0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99};

    /**
     * Leave one source out, per classifier threshold: how much the classifier adds to the rules on
     * sources it never saw, and what it costs in false positives there; the threshold is chosen on
     * this table (docs/guard-efficacy.md).
     */
    private static void printThresholds(
        PrintStream out, Map<Double, InjectionEvaluation.Report> byThreshold) {
      out.println();
      out.println(
          "Classifier threshold, leave one source out: flagged when the rules flag it or the"
              + " classifier trained without the prompt's source group reaches the threshold.");
      out.println();
      StringBuilder head = new StringBuilder("| classifier from |");
      StringBuilder rule = new StringBuilder("|---:|");
      for (InjectionEvaluation.Slice s : InjectionEvaluation.Slice.values()) {
        head.append(' ').append(s.label).append(" |");
        rule.append("---:|");
      }
      out.println(head);
      out.println(rule);
      for (Map.Entry<Double, InjectionEvaluation.Report> e : byThreshold.entrySet()) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "| %.2f |", e.getKey()));
        for (InjectionEvaluation.Slice s : InjectionEvaluation.Slice.values()) {
          line.append(percent(e.getValue().of(s))).append(" |");
        }
        out.println(line);
      }
    }

    private static void header(
        PrintStream out, String first, Map<String, InjectionEvaluation.Report> columns) {
      out.println("| " + first + " | prompts | " + String.join(" | ", columns.keySet()) + " |");
      out.println(
          "|---|" + (first.contains("|") ? "---|" : "") + "---:|" + "---:|".repeat(columns.size()));
    }

    private static String percent(InjectionEvaluation.Tally t) {
      return String.format(Locale.ROOT, " %.1f %%", 100 * t.rate());
    }
  }
}
