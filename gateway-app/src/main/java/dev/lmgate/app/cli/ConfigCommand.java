package dev.lmgate.app.cli;

import dev.lmgate.app.config.ConfigLoader;
import dev.lmgate.app.config.FilterReference;
import dev.lmgate.app.config.GatewayConfig;
import dev.lmgate.filters.BuiltinFilters;
import dev.lmgate.spi.ConfigException;
import dev.lmgate.spi.GatewayFilter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code lmgate config check FILE}; {@code lmgate config filters}.
 *
 * <p>A command-line entry point: what it prints to stdout and stderr is its user interface (the
 * ready line scripts wait for, validation results); logs are separate JSON lines.
 */
@Command(
    name = "config",
    mixinStandardHelpOptions = true,
    description = "Work with config files.",
    subcommands = {ConfigCommand.Check.class, ConfigCommand.Filters.class})
final class ConfigCommand extends CommandGroup {

  @Command(
      name = "check",
      mixinStandardHelpOptions = true,
      description =
          "Validate a config file: exit 0 and a summary when it would load, exit 2 and the offending setting otherwise.")
  static final class Check implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "The config file.")
    Path file;

    @Override
    public Integer call() {
      try {
        GatewayConfig cfg = ConfigLoader.fromEnvironment().load(file);
        System.out.println(file + ": OK");
        System.out.println("  listen   " + cfg.server().host() + ":" + cfg.server().port());
        System.out.println("  upstream " + cfg.server().upstream());
        for (GatewayFilter f : cfg.filters()) {
          System.out.println(
              "  filter   "
                  + f.id()
                  + " (action "
                  + f.settings().action().name().toLowerCase()
                  + ", timeout "
                  + f.settings().timeout().toMillis()
                  + " ms, "
                  + f.settings().onError().name().toLowerCase().replace('_', '-')
                  + ")");
        }
        return 0;
      } catch (ConfigException e) {
        System.err.println(file + ": " + e.getMessage());
        return 2;
      }
    }
  }

  @Command(
      name = "filters",
      mixinStandardHelpOptions = true,
      description =
          "Print the filters this lmgate can run, as the table of docs/filters.md: stage, what each does, what the offline guard runs it on, what it must follow, its handbook sections.")
  static final class Filters implements Callable<Integer> {
    @Override
    public Integer call() {
      System.out.print(FilterReference.markdown(BuiltinFilters.registry()));
      return 0;
    }
  }
}
