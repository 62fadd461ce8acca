package dev.lmgate.app.cli;

import dev.lmgate.filters.models.ModelManifest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lmgate models manifest|verify}: the integrity manifest of LM Studio's model files. */
@Command(
    name = "models",
    mixinStandardHelpOptions = true,
    description = "Write and check the integrity manifest of LM Studio's model files.",
    subcommands = {ModelsCommand.Manifest.class, ModelsCommand.Verify.class})
final class ModelsCommand extends CommandGroup {

  @Command(
      name = "manifest",
      mixinStandardHelpOptions = true,
      description = "Hash model files into a manifest (run where the files are known good).")
  static final class Manifest implements Callable<Integer> {
    @Option(names = "--models-dir", required = true, paramLabel = "DIR")
    Path modelsDir;

    @Option(names = "--out", required = true, paramLabel = "FILE")
    Path out;

    @Parameters(
        paramLabel = "MODEL=FILE[,FILE…]",
        arity = "1..*",
        description =
            "A model id and its files relative to --models-dir, e.g."
                + " qwen/qwen3-4b-2507=lmstudio-community/Qwen3-4B-2507-GGUF/Qwen3-4B-2507-Q4_K_M.gguf")
    List<String> models;

    @Override
    public Integer call() {
      Map<String, List<String>> files = new LinkedHashMap<>();
      for (String m : models) {
        int eq = m.indexOf('=');
        if (eq <= 0 || eq == m.length() - 1) {
          return Exit.error("models manifest", "expected MODEL=FILE[,FILE…], got " + m);
        }
        files.put(
            m.substring(0, eq), new ArrayList<>(Arrays.asList(m.substring(eq + 1).split(","))));
      }
      try {
        ModelManifest manifest = ModelManifest.create(modelsDir, files);
        manifest.write(out);
        manifest
            .models()
            .forEach((id, f) -> System.out.println(id + ": " + f.size() + " file(s) hashed"));
        System.out.println("manifest written to " + out);
        return 0;
      } catch (java.io.IOException e) {
        return Exit.error("models manifest", e.getMessage());
      }
    }
  }

  @Command(
      name = "verify",
      mixinStandardHelpOptions = true,
      description =
          "Check model files against a manifest: exit 0 all match, 1 a mismatch, 2 error.")
  static final class Verify implements Callable<Integer> {
    @Option(names = "--models-dir", required = true, paramLabel = "DIR")
    Path modelsDir;

    @Option(names = "--manifest", required = true, paramLabel = "FILE")
    Path manifestFile;

    @Override
    public Integer call() {
      ModelManifest manifest;
      try {
        manifest = ModelManifest.read(manifestFile);
      } catch (java.io.IOException e) {
        return Exit.error("models verify", e.getMessage());
      }
      int failed = 0;
      for (String model : manifest.models().keySet()) {
        List<String> problems = manifest.verify(modelsDir, model);
        if (problems.isEmpty()) {
          System.out.println("ok        " + model);
        } else {
          failed++;
          System.out.println("MISMATCH  " + model);
          problems.forEach(p -> System.out.println("          " + p));
        }
      }
      System.out.println(
          manifest.models().size()
              - failed
              + " of "
              + manifest.models().size()
              + " model(s) verified");
      return failed == 0 ? 0 : 1;
    }
  }
}
