package dev.lmgate.filters.incident;

import dev.lmgate.spi.BaseFilter;
import dev.lmgate.spi.ConfigException;
import dev.lmgate.spi.ConfigReader;
import dev.lmgate.spi.FilterDescription;
import dev.lmgate.spi.FilterEnvironment;
import dev.lmgate.spi.FilterFactory;
import dev.lmgate.spi.FilterSettings;
import dev.lmgate.spi.GatewayFilter;
import dev.lmgate.spi.Principal;
import dev.lmgate.spi.Rejection;
import dev.lmgate.spi.RequestView;
import dev.lmgate.spi.Verdict;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code kill-switch}: enforces the {@link IncidentState} an operator sets through the admin API or
 * {@code lmgate lockdown}/{@code lmgate kill}. Put it right after {@code authenticate}: in lockdown
 * only callers with an administrator role whose requirements they meet are served (everyone else
 * gets {@code 503 lockdown} with the operator's reason); a killed key or subject gets {@code 403
 * access_suspended}, a killed model or route {@code 403 model_suspended}/{@code route_suspended}.
 */
public final class KillSwitchFilter extends BaseFilter {
  public static final String ID = "kill-switch";

  private final IncidentState state;
  private final Set<String> adminRoles;

  public KillSwitchFilter(FilterSettings settings, IncidentState state, Set<String> adminRoles) {
    super(ID, settings);
    this.state = state;
    this.adminRoles = Set.copyOf(adminRoles);
  }

  @Override
  public CompletionStage<Verdict> onRequest(RequestView request) {
    return CompletableFuture.completedFuture(decide(request));
  }

  Verdict decide(RequestView request) {
    Optional<Principal> p = request.principal();
    String reason = state.lockdown();
    if (reason != null && p.map(pr -> !administrator(pr)).orElse(true)) {
      return Verdict.block(
          "lockdown",
          new Rejection(
              503,
              "service_unavailable",
              "lockdown",
              "",
              "The gateway is in lockdown and serves administrators only: " + reason,
              Map.of("retry-after", "300")));
    }
    if (p.isPresent() && state.isSuspended(p.get())) {
      return refuse("access_suspended", "Access for this caller is suspended by the operators.");
    }
    if (state.isKilled(IncidentState.Kind.ROUTE, request.route().id())) {
      return refuse("route_suspended", "This API route is suspended by the operators.");
    }
    String model = request.conversation().model();
    if (state.isKilled(IncidentState.Kind.MODEL, model)) {
      return refuse("model_suspended", "The model " + model + " is suspended by the operators.");
    }
    return Verdict.pass();
  }

  /**
   * Whether the caller is an administrator the lockdown serves: it holds one of {@code admin-roles}
   * and meets that role's requirements under the running policy ({@code require-mfa}) — holding the
   * role through an API key that can show no second factor is not enough, even when another of the
   * key's roles would pass {@code authorize}.
   */
  private boolean administrator(Principal p) {
    return p.roles().stream().anyMatch(r -> adminRoles.contains(r) && state.mayActAs(p, r));
  }

  private static Verdict refuse(String code, String message) {
    return Verdict.block(code, new Rejection(403, "permission_error", code, "", message, Map.of()));
  }

  /** Builds the filter from YAML (docs/operations.md). */
  public static final class Factory implements FilterFactory {
    @Override
    public FilterDescription describe() {
      return FilterDescription.of(
              ID,
              FilterDescription.Stage.WHO_AND_WHETHER,
              "Enforces the incident controls: a lockdown, and kill switches per key, subject, model or route.",
              "operations.md#incident-controls")
          .handbook(9)
          .keys("admin-roles");
    }

    @Override
    public GatewayFilter create(ConfigReader r, FilterSettings settings, FilterEnvironment env)
        throws ConfigException {
      List<String> roles = r.has("admin-roles") ? r.strings("admin-roles") : List.of("admin");
      return new KillSwitchFilter(
          settings,
          env.shared(
              "incident", IncidentState.class, () -> new IncidentState(env.clock(), env.events())),
          Set.copyOf(roles));
    }
  }
}
