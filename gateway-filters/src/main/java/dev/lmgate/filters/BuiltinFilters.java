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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The static registry of filters lmgate ships: no class-path scanning, ids pinned by a test. */
public final class BuiltinFilters {
  private static final Map<String, FilterFactory> FACTORIES = new LinkedHashMap<>();

  static {
    for (FilterFactory f :
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
            new OutputPatternFilter.Factory())) {
      FACTORIES.put(f.id(), f);
    }
  }

  private BuiltinFilters() {}

  public static Optional<FilterFactory> factory(String id) {
    return Optional.ofNullable(FACTORIES.get(id));
  }

  public static List<String> ids() {
    return List.copyOf(FACTORIES.keySet());
  }
}
