package dev.lmgate.audit.record;

import dev.lmgate.spi.Principal;
import java.util.List;

/**
 * Which payload mode and retention class a record gets: the first rule whose routes and roles
 * match, else the defaults. Blocked exchanges and security events default to the {@code compliance}
 * class, everything else to {@code operational}.
 *
 * @param payloads the default payload mode
 * @param rules rules in order
 */
public record PayloadPolicy(PayloadMode payloads, List<Rule> rules) {
  public static final String OPERATIONAL = "operational";
  public static final String COMPLIANCE = "compliance";

  /**
   * One rule; an empty list matches everything.
   *
   * @param routes route ids or globs ({@code openai.*})
   * @param roles roles of the caller, any of which matches
   * @param payloads the mode, or {@code null} to keep the default
   * @param retentionClass the class, or {@code null} to keep the default
   */
  public record Rule(
      List<String> routes, List<String> roles, PayloadMode payloads, String retentionClass) {
    public Rule {
      routes = List.copyOf(routes);
      roles = List.copyOf(roles);
    }

    boolean matches(String routeId, Principal principal) {
      boolean route = routes.isEmpty() || routes.stream().anyMatch(g -> glob(g, routeId));
      boolean role =
          roles.isEmpty()
              || (principal != null && principal.roles().stream().anyMatch(roles::contains));
      return route && role;
    }
  }

  /** What applies to one record. */
  public record Choice(PayloadMode payloads, String retentionClass) {}

  public PayloadPolicy {
    rules = List.copyOf(rules);
  }

  public static PayloadPolicy of(PayloadMode mode) {
    return new PayloadPolicy(mode, List.of());
  }

  public Choice choose(String routeId, Principal principal, boolean blocked) {
    String cls = blocked ? COMPLIANCE : OPERATIONAL;
    for (Rule r : rules) {
      if (r.matches(routeId == null ? "" : routeId, principal)) {
        return new Choice(
            r.payloads() != null ? r.payloads() : payloads,
            r.retentionClass() != null ? r.retentionClass() : cls);
      }
    }
    return new Choice(payloads, cls);
  }

  /** Whether any record can carry payloads. */
  public boolean capturesPayloads() {
    return payloads != PayloadMode.NONE
        || rules.stream().anyMatch(r -> r.payloads() != null && r.payloads() != PayloadMode.NONE);
  }

  /** Whether a route glob ({@code *} matches any run of characters) matches a route id. */
  public static boolean glob(String pattern, String s) {
    if (!pattern.contains("*")) {
      return pattern.equals(s);
    }
    String[] parts = pattern.split("\\*", -1);
    int pos = 0;
    for (int i = 0; i < parts.length; i++) {
      String p = parts[i];
      if (i == 0) {
        if (!s.startsWith(p)) {
          return false;
        }
        pos = p.length();
      } else if (i == parts.length - 1) {
        return s.length() - p.length() >= pos && s.endsWith(p);
      } else {
        int at = s.indexOf(p, pos);
        if (at < 0) {
          return false;
        }
        pos = at + p.length();
      }
    }
    return true;
  }
}
