package dev.lmgate.filters.ratelimit;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import dev.lmgate.spi.ConfigException;
import dev.lmgate.spi.ConfigReader;
import java.time.Duration;
import java.util.Optional;

/**
 * An amount per window, written {@code 60/1m}, {@code 100000/1h}, {@code 1000000/1d}: a bucket that
 * holds {@code amount} and refills continuously at {@code amount} per {@code window}.
 */
public record Rate(long amount, Duration window) {
  private static final Pattern FORMAT = Pattern.compile("(\\d{1,12})\\s*/\\s*(\\S+)");

  public Rate {
    if (amount <= 0 || window.isZero() || window.isNegative()) {
      throw new IllegalArgumentException("rate: " + amount + "/" + window);
    }
  }

  static Rate parse(String path, String text) throws ConfigException {
    Matcher m = FORMAT.matcher(text.trim());
    String window = m.matches() ? m.group(2) : "";
    // "60/m" reads as "60/1m"
    Optional<Duration> w =
        ConfigReader.parseDuration(
            !window.isEmpty() && Character.isLetter(window.charAt(0)) ? "1" + window : window);
    if (!m.matches() || Long.parseLong(m.group(1)) == 0 || w.isEmpty()) {
      throw new ConfigException(path, text, "amount/window, e.g. 60/1m, 100000/1h, 1000000/1d");
    }
    return new Rate(Long.parseLong(m.group(1)), w.get());
  }

  /** As written in YAML: {@code 60/1m}. */
  @Override
  public String toString() {
    long s = window.getSeconds();
    String w =
        s % 86_400 == 0
            ? s / 86_400 + "d"
            : s % 3600 == 0 ? s / 3600 + "h" : s % 60 == 0 ? s / 60 + "m" : s + "s";
    return amount + "/" + w;
  }
}
