package dev.lmgate.app.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code lmgate} command. */
@Command(
    name = "lmgate",
    mixinStandardHelpOptions = true,
    version = "lmgate 0.1.0",
    description = "A security gateway for LM Studio.",
    subcommands = {
      RunCommand.class,
      DemoCommand.class,
      ConfigCommand.class,
      KeysCommand.class,
      AuditCommand.class,
      ScanCommand.class,
      RedteamCommand.class,
      GuardCommand.class,
      ApprovalsCommand.class,
      IncidentCommand.class,
      ModelsCommand.class,
      AdminCommand.class,
      ComplianceCommand.class,
      HealthCommand.class
    })
public final class Lmgate implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static void main(String[] args) {
    int code = new CommandLine(new Lmgate()).execute(args);
    if (code != 0) {
      System.exit(code);
    }
  }
}
