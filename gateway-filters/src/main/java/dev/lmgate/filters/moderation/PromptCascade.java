package dev.lmgate.filters.moderation;

import dev.lmgate.filters.injection.PromptInjectionFilter;
import dev.lmgate.filters.policy.Glob;
import dev.lmgate.spi.ConfigException;
import dev.lmgate.spi.ConfigReader;
import dev.lmgate.spi.Message;
import dev.lmgate.spi.RequestView;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Which prompts are judged when not every one is: the judge as a second tier behind the fast
 * guards, for what no lexical feature sees (a harmful request rewritten as fiction). A prompt is
 * judged when any condition holds.
 *
 * @param low with {@code banded}: the lowest {@code prompt-injection} score that escalates
 * @param high with {@code banded}: the highest
 * @param banded whether scores in {@code [low, high]} escalate; a request that filter did not score
 *     (it came later in the chain, skipped an allowed caller) is judged
 * @param routes route id globs on which every prompt is judged
 * @param principals callers (ids, {@code role:NAME}) whose every prompt is judged
 * @param messageRoles message roles whose non-blank text gets the prompt judged (e.g. {@code
 *     system}, where a caller would hide an instruction)
 * @param budget how long a prompt's judgement may take, waiting for a free call included; past it
 *     the judgement failed and {@code on-error} decides
 */
public record PromptCascade(
    double low,
    double high,
    boolean banded,
    List<Glob> routes,
    Set<String> principals,
    Set<String> messageRoles,
    Duration budget) {
  public PromptCascade {
    routes = List.copyOf(routes);
    principals = Set.copyOf(principals);
    messageRoles = Set.copyOf(messageRoles);
  }

  /** Why this request's prompt goes to the judge, or empty when it does not. */
  Optional<String> escalation(RequestView request) {
    if (Glob.any(routes, request.route().id())) {
      return Optional.of("route " + request.route().id());
    }
    if (request.principal().map(p -> p.namedIn(principals)).orElse(false)) {
      return Optional.of("caller");
    }
    for (Message m : request.conversation().messages()) {
      if (messageRoles.contains(m.role()) && !m.text().isBlank()) {
        return Optional.of("role " + m.role());
      }
    }
    if (banded) {
      Double score = request.attributes().get(PromptInjectionFilter.SCORE);
      if (score == null) {
        return Optional.of("not scored by " + PromptInjectionFilter.ID);
      }
      if (score >= low && score <= high) {
        return Optional.of(String.format(Locale.ROOT, "injection score %.2f", score));
      }
    }
    return Optional.empty();
  }

  /** {@code prompt-cascade}, or null when every prompt is judged. */
  static PromptCascade read(ConfigReader filter, List<String> check, Duration timeout)
      throws ConfigException {
    if (!filter.node().has("prompt-cascade")) { // written but empty is an error, not "every prompt"
      return null;
    }
    if (!filter.node().get("prompt-cascade").isObject()) {
      throw new ConfigException(
          filter.path() + ".prompt-cascade",
          filter.node().get("prompt-cascade"),
          "a map of injection-score, routes, principals, message-roles and budget");
    }
    ConfigReader c =
        filter
            .child("prompt-cascade")
            .only(Set.of("injection-score", "routes", "principals", "message-roles", "budget"));
    if (!check.contains("prompt")) {
      throw new ConfigException(c.path(), "prompt-cascade", "check to include prompt");
    }
    double low = 0;
    double high = 1;
    boolean banded = c.has("injection-score");
    if (banded) {
      com.fasterxml.jackson.databind.JsonNode band = c.node().get("injection-score");
      if (!band.isArray()
          || band.size() != 2
          || !band.get(0).isNumber()
          || !band.get(1).isNumber()) {
        throw new ConfigException(
            c.path() + ".injection-score", band, "two scores [low, high], e.g. [0.3, 0.9]");
      }
      low = band.get(0).asDouble();
      high = band.get(1).asDouble();
      if (!(low >= 0 && low <= high && high <= 1)) {
        throw new ConfigException(c.path() + ".injection-score", band, "0 <= low <= high <= 1");
      }
    }
    List<Glob> routes = new java.util.ArrayList<>();
    for (String g : c.has("routes") ? c.strings("routes") : List.<String>of()) {
      routes.add(new Glob(g));
    }
    Set<String> principals = Set.copyOf(c.has("principals") ? c.strings("principals") : List.of());
    Set<String> roles = Set.copyOf(c.has("message-roles") ? c.strings("message-roles") : List.of());
    if (!banded && routes.isEmpty() && principals.isEmpty() && roles.isEmpty()) {
      throw new ConfigException(
          c.path(),
          "prompt-cascade",
          "at least one of injection-score, routes, principals, message-roles");
    }
    Duration budget = c.duration("budget", timeout);
    if (budget.compareTo(timeout) > 0) {
      throw new ConfigException(
          c.path() + ".budget", budget, "at most the filter's timeout (" + timeout + ")");
    }
    return new PromptCascade(low, high, banded, routes, principals, roles, budget);
  }
}
