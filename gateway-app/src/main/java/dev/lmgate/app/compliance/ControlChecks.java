package dev.lmgate.app.compliance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lmgate.app.compliance.ComplianceReport.Control;
import dev.lmgate.app.compliance.ComplianceReport.Status;
import dev.lmgate.app.config.GatewayConfig;
import dev.lmgate.audit.record.PayloadMode;
import dev.lmgate.audit.record.PayloadPolicy;
import dev.lmgate.spi.FilterDescription;
import dev.lmgate.spi.FilterSettings;
import dev.lmgate.spi.GatewayFilter;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What the checks of each handbook section share: the config as loaded, its tree (only to describe
 * what is written), the controls found so far, and how a filter's control is judged.
 */
final class ControlChecks {
  private static final ObjectMapper JSON = new ObjectMapper();

  final GatewayConfig config;
  final JsonNode root;
  final List<Control> out = new ArrayList<>();
  private final Set<String> judged = new HashSet<>(); // filters a section's check looked at

  ControlChecks(GatewayConfig config, JsonNode root) {
    this.config = config;
    this.root = root == null ? JSON.createObjectNode() : root;
  }

  Optional<GatewayFilter> filter(String id) {
    judged.add(id);
    return config.filters().stream().filter(f -> f.id().equals(id)).findFirst();
  }

  /**
   * Every configured filter no section's check looked at gets a control of its own in each handbook
   * section its description names: what it says it does, judged like any filter's control (shadow
   * mode, fail-open and its own weakenings count).
   */
  void describedFilters() {
    for (GatewayFilter f : config.filters()) {
      if (judged.contains(f.id())) {
        continue;
      }
      FilterDescription d = config.description(f);
      for (int section : d.handbook()) {
        filterControl(section, d.summary(), d.id(), "");
      }
    }
  }

  /** The controls, grouped by handbook section (stable: each section keeps its order). */
  List<Control> bySection() {
    List<String> sections = List.of(ComplianceReport.SECTIONS);
    List<Control> sorted = new ArrayList<>(out);
    sorted.sort(java.util.Comparator.comparingInt(c -> sections.indexOf(c.section())));
    return sorted;
  }

  /** A filter's YAML, only to describe what is written there. */
  JsonNode written(String id) {
    for (JsonNode f : root.path("filters")) {
      if (id.equals(f.path("id").asText())) {
        return f;
      }
    }
    return JSON.createObjectNode();
  }

  /** The settings written for a filter, as {@code key: value}; unset ones are not shown. */
  String writtenKeys(String id, String... keys) {
    JsonNode f = written(id);
    List<String> s = new ArrayList<>();
    for (String k : keys) {
      if (f.has(k)) {
        JsonNode v = f.get(k);
        s.add(k + " " + (v.isValueNode() ? v.asText() : v.toString()));
      }
    }
    return String.join(", ", s);
  }

  void add(int section, String name, Status s, String evidence) {
    out.add(new Control(ComplianceReport.SECTIONS[section - 1], name, s, evidence));
  }

  /**
   * A filter's control: off when absent; weakened in shadow mode, fail-open, or by any weakening
   * the filter reports of its own config.
   */
  void filterControl(int section, String name, String id, String evidence) {
    filterControl(section, name, id, evidence, w -> true);
  }

  /** As above, counting only the weakenings (by their setting) that bear on this control. */
  void filterControl(
      int section,
      String name,
      String id,
      String evidence,
      java.util.function.Predicate<String> bears) {
    Optional<GatewayFilter> f = filter(id);
    if (f.isEmpty()) {
      add(section, name, Status.OFF, "no `" + id + "` filter");
      return;
    }
    FilterSettings s = f.get().settings();
    List<String> weak = new ArrayList<>();
    if (s.action() == FilterSettings.Action.ALERT) {
      weak.add("shadow mode (`action: alert`): verdicts recorded, nothing blocked");
    }
    if (s.onError() == FilterSettings.OnError.FAIL_OPEN) {
      weak.add("`on-error: fail-open`: skipped when it fails or times out");
    }
    f.get().weakenings().stream().filter(bears).forEach(weak::add);
    String base = "`" + id + "`" + (evidence.isEmpty() ? "" : ": " + evidence);
    add(
        section,
        name,
        weak.isEmpty() ? Status.ENFORCED : Status.WEAKENED,
        weak.isEmpty() ? base : base + "; " + String.join("; ", weak));
  }

  static Set<PayloadMode> modes(PayloadPolicy p) {
    Set<PayloadMode> m = EnumSet.of(p.payloads());
    p.rules().stream().filter(r -> r.payloads() != null).forEach(r -> m.add(r.payloads()));
    return m;
  }

  /** A duration as the config writes it: 10s, 5m, 365d. */
  static String human(java.time.Duration d) {
    long ms = d.toMillis();
    long[] units = {86_400_000, 3_600_000, 60_000, 1_000};
    String[] names = {"d", "h", "m", "s"};
    for (int i = 0; i < units.length; i++) {
      if (ms >= units[i] && ms % units[i] == 0) {
        return ms / units[i] + names[i];
      }
    }
    return ms + "ms";
  }

  static boolean loopback(String host) {
    return host.equals("127.0.0.1")
        || host.equals("localhost")
        || host.equals("::1")
        || host.startsWith("127.");
  }

  /** A secret reference as written, never a value: plain values are shown as ***. */
  static String reference(String v) {
    return v.startsWith("${secret:") || v.startsWith("env:") || v.startsWith("file:")
        ? "`" + v + "`"
        : "a plain value (***)";
  }
}
