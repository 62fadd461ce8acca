package dev.lmgate.app.cli;

/** A command that only groups subcommands: called on its own, it prints its usage. */
abstract class CommandGroup implements Runnable {
  @Override
  public void run() {
    new picocli.CommandLine(this).usage(System.out);
  }
}
