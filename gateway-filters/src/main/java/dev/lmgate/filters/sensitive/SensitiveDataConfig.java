package dev.lmgate.filters.sensitive;

import dev.lmgate.filters.sensitive.SensitiveDataFilter.Handling;
import dev.lmgate.filters.sensitive.SensitiveDataFilter.Output;
import dev.lmgate.spi.ConfigException;
import dev.lmgate.spi.ConfigReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The {@code sensitive-data} block of the YAML (docs/input-guard.md), read and validated: handling
 * by type on the way in ({@code types}, {@code others}), how long pseudonyms live, and the answer's
 * side ({@code output}, {@link Output#NONE} when absent). Groups ({@code secrets}, {@code
 * personal}) expand to their types, a named type winning; an unknown type or handling is a {@link
 * ConfigException} naming its path.
 *
 * @param handling by type
 * @param others for types {@code handling} does not name
 * @param pseudonymTtl how long a pseudonym is kept
 * @param output the answer's side as configured
 * @param phones the national phone formats recognized without a country code ({@code
 *     phone-numbers})
 */
record SensitiveDataConfig(
    Map<String, Handling> handling,
    Handling others,
    Duration pseudonymTtl,
    Output output,
    PhoneNumbers.Plan phones) {

  /** Reads the filter's block, which holds no key but the filter's own (FilterFactory). */
  static SensitiveDataConfig read(ConfigReader r) throws ConfigException {
    Map<String, Handling> handling = types(r);
    Output output = Output.NONE;
    if (r.has("output")) {
      ConfigReader o =
          r.child("output")
              .only(Set.of("types", "restore", "restore-in-tool-arguments", "hold-back"));
      Map<String, Handling> out = types(o);
      for (Map.Entry<String, Handling> e : out.entrySet()) {
        if (e.getValue() == Handling.PSEUDONYMIZE || e.getValue() == Handling.ALERT) {
          throw new ConfigException(
              o.path() + ".types", e.getValue(), "block, redact or allow in answers");
        }
      }
      output =
          new Output(
              out,
              o.bool("restore", true),
              o.bool("restore-in-tool-arguments", false),
              (int) o.integer("hold-back", 256, 24, 65_536));
    }
    Handling others = r.has("others") ? handling(r, "others") : Handling.ALERT;
    Duration ttl = r.duration("pseudonym-ttl", Duration.ofHours(1));
    return new SensitiveDataConfig(handling, others, ttl, output, phones(r));
  }

  /** {@code phone-numbers: {regions: [US, GB], leniency: strict-grouping}}; absent: the default. */
  private static PhoneNumbers.Plan phones(ConfigReader r) throws ConfigException {
    if (!r.has("phone-numbers")) {
      return PhoneNumbers.Plan.DEFAULT;
    }
    ConfigReader p = r.child("phone-numbers").only(Set.of("regions", "leniency"));
    List<String> regions = new ArrayList<>();
    if (p.has("regions")) {
      for (String region : p.strings("regions")) {
        String code = region.toUpperCase(Locale.ROOT);
        if (!PhoneNumbers.Plan.known(code)) {
          throw new ConfigException(
              p.path() + ".regions", region, "an ISO 3166 country code, e.g. US, GB, DE");
        }
        if (!regions.contains(code)) {
          regions.add(code);
        }
      }
    } else {
      regions.addAll(PhoneNumbers.Plan.DEFAULT.regions());
    }
    return new PhoneNumbers.Plan(
        regions,
        p.enumValue(
            "leniency", PhoneNumbers.Leniency.class, PhoneNumbers.Leniency.STRICT_GROUPING));
  }

  /** Whether any type is pseudonymized on the way in. */
  boolean pseudonymizes() {
    return handling.containsValue(Handling.PSEUDONYMIZE) || others == Handling.PSEUDONYMIZE;
  }

  /** A {@code types:} map under {@code r}: by group or by type, a named type winning. */
  private static Map<String, Handling> types(ConfigReader r) throws ConfigException {
    Map<String, Handling> handling = new LinkedHashMap<>();
    if (!r.has("types")) {
      return handling;
    }
    ConfigReader t = r.child("types");
    List<String> keys = new ArrayList<>();
    t.node().fieldNames().forEachRemaining(keys::add);
    for (String key : keys) {
      Handling h = handling(t, key);
      String k = key.toUpperCase(Locale.ROOT).replace('-', '_');
      if (k.equals("SECRETS") || k.equals("PERSONAL")) {
        for (String type : SensitiveData.TYPES) {
          if (SensitiveData.isSecret(type) == k.equals("SECRETS")) {
            handling.putIfAbsent(type, h);
          }
        }
      } else if (SensitiveData.TYPES.contains(k)) {
        handling.put(k, h); // a named type wins over its group
      } else {
        throw new ConfigException(
            t.path() + "." + key, key, "secrets, personal or one of " + SensitiveData.TYPES);
      }
    }
    return handling;
  }

  private static Handling handling(ConfigReader r, String key) throws ConfigException {
    try {
      return Handling.valueOf(r.requiredString(key).toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(
          r.path() + "." + key, r.node().get(key), "block, redact, pseudonymize, alert or allow");
    }
  }
}
