package dev.lmgate.secrets;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a secret lives, written {@code ${secret:SCHEME:LOCATION[#FIELD]}} in the config:
 *
 * <ul>
 *   <li>{@code env:NAME} — an environment variable
 *   <li>{@code file:/run/secrets/lmstudio} — a file (Docker and Kubernetes secrets), re-read when
 *       it changes; one trailing newline is dropped
 *   <li>{@code aws-sm:NAME_OR_ARN#json-key}, {@code vault:kv/path#key}, {@code
 *       azure-kv:vault-name/secret}, {@code gcp-sm:projects/P/secrets/S} — secret managers
 * </ul>
 *
 * {@code #FIELD} picks one key of a JSON object secret. A reference names a secret; it is not one,
 * and prints as written.
 *
 * @param scheme the provider
 * @param location what the provider looks up
 * @param field the JSON key to pick, or empty for the whole value
 */
public record SecretRef(String scheme, String location, String field) {
  public static final List<String> SCHEMES =
      List.of("env", "file", "aws-sm", "vault", "azure-kv", "gcp-sm");
  private static final Pattern WRAPPED = Pattern.compile("\\$\\{secret:([^}]*)}");

  /**
   * Parses {@code SCHEME:LOCATION[#FIELD]}; throws {@link IllegalArgumentException} when malformed.
   */
  public static SecretRef parse(String text) {
    int colon = text.indexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException(
          "a secret reference is SCHEME:LOCATION, one of " + SCHEMES);
    }
    String scheme = text.substring(0, colon);
    if (!SCHEMES.contains(scheme)) {
      throw new IllegalArgumentException(
          "unknown secret scheme " + scheme + " (one of " + SCHEMES + ")");
    }
    String rest = text.substring(colon + 1);
    int hash = rest.lastIndexOf('#');
    String location = hash < 0 ? rest : rest.substring(0, hash);
    String field = hash < 0 ? "" : rest.substring(hash + 1);
    if (location.isBlank() || (hash >= 0 && field.isBlank())) {
      throw new IllegalArgumentException(
          "a secret reference needs a location (and a field after #)");
    }
    if ("env".equals(scheme) && !location.matches("[A-Za-z_][A-Za-z0-9_]*")) {
      throw new IllegalArgumentException("env: takes a variable name");
    }
    return new SecretRef(scheme, location, field);
  }

  /**
   * The reference in a config value written {@code ${secret:...}}; null when the value is not one
   * (then it is a plain value).
   */
  public static SecretRef fromConfigValue(String value) {
    Matcher m = WRAPPED.matcher(value.strip());
    return m.matches() ? parse(m.group(1)) : null;
  }

  /** The scheme of {@link #literal}: never written in a config, so never parsed. */
  public static final String LITERAL = "literal";

  /**
   * A plain value standing in for a reference, where the operator allowed plain secrets for
   * development ({@code secrets.allow-plain-values}); it prints as {@code literal:***}.
   */
  public static SecretRef literal(String value) {
    return new SecretRef(LITERAL, value, "");
  }

  @Override
  public String toString() {
    if (LITERAL.equals(scheme)) {
      return LITERAL + ":***";
    }
    return scheme + ":" + location + (field.isEmpty() ? "" : "#" + field);
  }
}
