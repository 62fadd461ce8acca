package dev.lmgate.spi;

/**
 * A configuration value that cannot be used. The message reads {@code path: value (expected:
 * what)}, so that an operator can find and fix the line.
 */
public final class ConfigException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String path;
  private final String expected;

  public ConfigException(String path, Object value, String expected) {
    super(path + ": " + render(value) + " (expected: " + expected + ")");
    this.path = path;
    this.expected = expected;
  }

  /** What the setting should hold, without the offending value. */
  public String expected() {
    return expected;
  }

  /**
   * The message without the offending value, for callers that must not see it: a value may come
   * from the process environment ({@code ${NAME}}), which the caller of a remote check cannot read.
   */
  public String withoutValue() {
    return path + ": (value withheld) (expected: " + expected + ")";
  }

  /** The dotted path of the offending setting, e.g. {@code filters[1].rules[0].pattern}. */
  public String path() {
    return path;
  }

  private static String render(Object value) {
    if (value == null) {
      return "<missing>";
    }
    String s = String.valueOf(value);
    return s.length() > 80 ? s.substring(0, 77) + "..." : s;
  }
}
