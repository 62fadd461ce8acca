package dev.lmgate.spi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads one block of YAML (as a Jackson tree) into typed values, failing with the setting's path,
 * its value and what was expected. Keys are kebab-case; unknown keys are refused so that a typo
 * never silently disables a rule.
 */
public final class ConfigReader {
  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");

  private final String path;
  private final JsonNode node;

  public ConfigReader(String path, JsonNode node) {
    this.path = path;
    this.node = node == null ? MissingNode.getInstance() : node;
  }

  public String path() {
    return path;
  }

  public JsonNode node() {
    return node;
  }

  public boolean has(String key) {
    return node.has(key) && !node.get(key).isNull();
  }

  private String at(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  /** Refuses keys not in {@code known}. */
  public ConfigReader only(Set<String> known) throws ConfigException {
    if (!node.isMissingNode() && !node.isNull() && !node.isObject()) {
      throw new ConfigException(path, node, "a mapping");
    }
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!known.contains(k)) {
        // an empty or blank key (YAML's bare "?") is named in quotes, so the setting is never ""
        String name = k.isBlank() ? "\"" + k + "\"" : k;
        throw new ConfigException(
            at(name), node.get(k), "one of " + new java.util.TreeSet<>(known));
      }
    }
    return this;
  }

  public ConfigReader child(String key) throws ConfigException {
    JsonNode n = node.path(key);
    if (!n.isMissingNode() && !n.isNull() && !n.isObject()) {
      throw new ConfigException(at(key), n, "a mapping");
    }
    return new ConfigReader(at(key), n);
  }

  public List<ConfigReader> list(String key) throws ConfigException {
    JsonNode n = node.path(key);
    List<ConfigReader> out = new ArrayList<>();
    if (n.isMissingNode() || n.isNull()) {
      return out;
    }
    if (!n.isArray()) {
      throw new ConfigException(at(key), n, "a list");
    }
    for (int i = 0; i < n.size(); i++) {
      out.add(new ConfigReader(at(key) + "[" + i + "]", n.get(i)));
    }
    return out;
  }

  public List<String> strings(String key) throws ConfigException {
    List<String> out = new ArrayList<>();
    for (ConfigReader r : list(key)) {
      if (!r.node.isTextual()) {
        throw new ConfigException(r.path, r.node, "a string");
      }
      out.add(r.node.asText());
    }
    return out;
  }

  public String string(String key, String dflt) throws ConfigException {
    JsonNode n = node.path(key);
    if (n.isMissingNode() || n.isNull()) {
      return dflt;
    }
    if (!n.isTextual() && !n.isNumber() && !n.isBoolean()) {
      throw new ConfigException(at(key), n, "a string");
    }
    return n.asText();
  }

  public String requiredString(String key) throws ConfigException {
    String s = string(key, null);
    if (s == null || s.isEmpty()) {
      throw new ConfigException(at(key), null, "a non-empty string");
    }
    return s;
  }

  public long integer(String key, long dflt, long min, long max) throws ConfigException {
    JsonNode n = node.path(key);
    if (n.isMissingNode() || n.isNull()) {
      return dflt;
    }
    long v;
    if (n.isIntegralNumber()) {
      v = n.asLong();
    } else if (n.isTextual() && n.asText().matches("-?\\d{1,18}")) {
      v = Long.parseLong(n.asText());
    } else {
      throw new ConfigException(at(key), n, "an integer");
    }
    if (v < min || v > max) {
      throw new ConfigException(
          at(key), v, max == Long.MAX_VALUE ? ">= " + min : "between " + min + " and " + max);
    }
    return v;
  }

  /** A number in [min, max], or {@code dflt} when absent. */
  public double number(String key, double dflt, double min, double max) throws ConfigException {
    JsonNode n = node.path(key);
    if (n.isMissingNode() || n.isNull()) {
      return dflt;
    }
    if (!n.isNumber()) {
      throw new ConfigException(at(key), n, "a number");
    }
    double v = n.asDouble();
    if (!(v >= min && v <= max)) {
      throw new ConfigException(at(key), v, "between " + min + " and " + max);
    }
    return v;
  }

  public boolean bool(String key, boolean dflt) throws ConfigException {
    JsonNode n = node.path(key);
    if (n.isMissingNode() || n.isNull()) {
      return dflt;
    }
    if (n.isBoolean()) {
      return n.asBoolean();
    }
    if (n.isTextual() && (n.asText().equals("true") || n.asText().equals("false"))) {
      return Boolean.parseBoolean(n.asText());
    }
    throw new ConfigException(at(key), n, "true or false");
  }

  /** Durations are written {@code 500ms}, {@code 30s}, {@code 10m}, {@code 2h}, {@code 7d}. */
  public Duration duration(String key, Duration dflt) throws ConfigException {
    String s = string(key, null);
    if (s == null) {
      return dflt;
    }
    return parseDuration(s)
        .orElseThrow(
            () ->
                new ConfigException(
                    at(key), s, "a duration > 0 such as 500ms, 30s, 10m, 2h or 7d"));
  }

  /**
   * Parses a duration written {@code 500ms}, {@code 30s}, {@code 10m}, {@code 2h} or {@code 7d} (at
   * most nine digits); empty if it is malformed or zero.
   */
  public static java.util.Optional<Duration> parseDuration(String text) {
    Matcher m = DURATION.matcher(text.trim());
    if (!m.matches()) {
      return java.util.Optional.empty();
    }
    long v = Long.parseLong(m.group(1));
    Duration d =
        switch (m.group(2)) {
          case "ms" -> Duration.ofMillis(v);
          case "s" -> Duration.ofSeconds(v);
          case "m" -> Duration.ofMinutes(v);
          case "h" -> Duration.ofHours(v);
          default -> Duration.ofDays(v);
        };
    return d.isZero() ? java.util.Optional.empty() : java.util.Optional.of(d);
  }

  /** An enum written in kebab-case ({@code fail-closed} for {@code FAIL_CLOSED}). */
  public <E extends Enum<E>> E enumValue(String key, Class<E> type, E dflt) throws ConfigException {
    String s = string(key, null);
    if (s == null) {
      return dflt;
    }
    try {
      return Enum.valueOf(type, s.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
    } catch (IllegalArgumentException e) {
      List<String> names = new ArrayList<>();
      for (E c : type.getEnumConstants()) {
        names.add(c.name().toLowerCase(Locale.ROOT).replace('_', '-'));
      }
      throw new ConfigException(at(key), s, "one of " + names);
    }
  }
}
