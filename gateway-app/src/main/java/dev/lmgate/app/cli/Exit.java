package dev.lmgate.app.cli;

/**
 * How a command stops on a problem: one line {@code lmgate COMMAND: message} on stderr, and the
 * exit code it returns — 2 when it could not do its work (a usage, config or I/O error), 1 when it
 * did and the answer is no (a failed check, a refused call).
 */
final class Exit {
  private Exit() {}

  /** Prints {@code lmgate COMMAND: message}; exit 2. */
  static int error(String command, String message) {
    return print(command, message, 2);
  }

  /** Prints {@code lmgate COMMAND: message}; exit 1. */
  static int failed(String command, String message) {
    return print(command, message, 1);
  }

  private static int print(String command, String message, int code) {
    System.err.println("lmgate " + command + ": " + message);
    return code;
  }
}
