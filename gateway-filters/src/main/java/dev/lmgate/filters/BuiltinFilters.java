package dev.lmgate.filters;

import dev.lmgate.filters.anomaly.AnomalyFilter;
import dev.lmgate.filters.approval.ToolApprovalFilter;
import dev.lmgate.filters.auth.AuthenticateFilter;
import dev.lmgate.filters.incident.KillSwitchFilter;
import dev.lmgate.filters.injection.PromptInjectionFilter;
import dev.lmgate.filters.limits.RequestLimitFilter;
import dev.lmgate.filters.models.ModelPolicyFilter;
import dev.lmgate.filters.moderation.ModerationFilter;
import dev.lmgate.filters.output.OutputPatternFilter;
import dev.lmgate.filters.policy.AuthorizeFilter;
import dev.lmgate.filters.policy.PromptPolicyFilter;
import dev.lmgate.filters.ratelimit.RateLimitFilter;
import dev.lmgate.filters.sanitize.SanitizeFilter;
import dev.lmgate.filters.semantic.SemanticOutputFilter;
import dev.lmgate.filters.sensitive.SensitiveDataFilter;
import dev.lmgate.spi.FilterFactory;
import dev.lmgate.spi.FilterRegistry;
import java.util.List;
import java.util.Optional;

/**
 * The filters lmgate ships: no class-path scanning, ids pinned by a test. Adding a filter is its
 * class (with a factory that describes it) and one line here.
 */
public final class BuiltinFilters {
  private static final FilterRegistry REGISTRY =
      FilterRegistry.of(
          List.of(
              new AuthenticateFilter.Factory(),
              new KillSwitchFilter.Factory(),
              new AnomalyFilter.Factory(),
              new AuthorizeFilter.Factory(),
              new ModelPolicyFilter.Factory(),
              new RateLimitFilter.Factory(),
              new RequestLimitFilter.Factory(),
              new SanitizeFilter.Factory(),
              new PromptInjectionFilter.Factory(),
              new SensitiveDataFilter.Factory(),
              new PromptPolicyFilter.Factory(),
              ModerationFilter.Factory.llmJudge(),
              ModerationFilter.Factory.moderationApi(),
              new ToolApprovalFilter.Factory(),
              new SemanticOutputFilter.Factory(),
              new OutputPatternFilter.Factory()));

  private BuiltinFilters() {}

  public static FilterRegistry registry() {
    return REGISTRY;
  }

  public static Optional<FilterFactory> factory(String id) {
    return REGISTRY.factory(id);
  }

  public static List<String> ids() {
    return REGISTRY.ids();
  }
}
