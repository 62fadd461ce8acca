package dev.lmgate.app.cli;

import dev.lmgate.filters.injection.Corpus;
import dev.lmgate.filters.injection.InjectionClassifier;
import dev.lmgate.filters.injection.InjectionTraining;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lmgate guard train}: rebuilds the prompt-injection classifier from a labelled corpus. */
@Command(
    name = "guard",
    mixinStandardHelpOptions = true,
    description = "Work with the input guards' models.",
    subcommands = GuardCommand.Train.class)
final class GuardCommand implements Runnable {
  @Override
  public void run() {
    new picocli.CommandLine(this).usage(System.out);
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
        description = "Labelled prompts, e.g. ../shared/corpus/dev/prompts.jsonl.")
    Path corpus;

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
        List<Corpus.Row> rows = Corpus.read(corpus);
        long used = rows.stream().filter(InjectionTraining::trainsOn).count();
        InjectionClassifier c = InjectionTraining.train(rows);
        if (out.toAbsolutePath().getParent() != null) {
          Files.createDirectories(out.toAbsolutePath().getParent());
        }
        try (OutputStream o = Files.newOutputStream(out)) {
          c.write(o);
        }
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
        System.err.println("lmgate guard train: " + e.getMessage());
        return 2;
      }
    }
  }
}
