package dev.lmgate.filters.anomaly;

import dev.lmgate.filters.incident.IncidentState;
import dev.lmgate.spi.BaseFilter;
import dev.lmgate.spi.ConfigException;
import dev.lmgate.spi.ConfigReader;
import dev.lmgate.spi.ExchangeSummary;
import dev.lmgate.spi.FilterDescription;
import dev.lmgate.spi.FilterEnvironment;
import dev.lmgate.spi.FilterFactory;
import dev.lmgate.spi.FilterSettings;
import dev.lmgate.spi.GatewayFilter;
import dev.lmgate.spi.RequestView;
import dev.lmgate.spi.Verdict;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code anomaly-detection}: feeds every exchange that reaches it, and every failed authentication,
 * to the shared {@link AnomalyDetector}. It never blocks a request itself; a suspension it triggers
 * is enforced by {@code kill-switch}. Put it right after {@code kill-switch} so that it sees what
 * later filters block.
 */
public final class AnomalyFilter extends BaseFilter {
  public static final String ID = "anomaly-detection";
  private final AnomalyDetector detector;

  public AnomalyFilter(FilterSettings settings, AnomalyDetector detector) {
    super(ID, settings);
    this.detector = detector;
  }

  @Override
  public CompletionStage<Verdict> onRequest(RequestView request) {
    return CompletableFuture.completedFuture(Verdict.pass());
  }

  @Override
  public void onExchangeEnd(RequestView request, ExchangeSummary summary) {
    detector.exchange(summary);
  }

  /** Builds the filter from YAML (docs/operations.md). */
  public static final class Factory implements FilterFactory {
    @Override
    public FilterDescription describe() {
      return FilterDescription.of(
              ID,
              FilterDescription.Stage.WHO_AND_WHETHER,
              "Watches each caller over a sliding window, raises anomaly events and can suspend the caller.",
              "filters.md#anomaly-detection")
          .handbook(9)
          .keys(
              "window",
              "blocked-requests",
              "auth-failures",
              "token-spike",
              "new-models-after",
              "suspend");
    }

    @Override
    public GatewayFilter create(ConfigReader r, FilterSettings settings, FilterEnvironment env)
        throws ConfigException {
      double factor = 0;
      long minTokens = 0;
      if (r.has("token-spike")) {
        ConfigReader t = r.child("token-spike").only(Set.of("factor", "min-tokens"));
        factor = t.number("factor", 5, 1, 1000);
        minTokens = t.integer("min-tokens", 20_000, 0, Long.MAX_VALUE);
      }
      Duration window = r.duration("window", Duration.ofMinutes(5));
      if (window.isZero() || window.isNegative()) {
        throw new ConfigException(r.path() + ".window", window.toString(), "a positive duration");
      }
      AnomalyDetector.Settings s =
          new AnomalyDetector.Settings(
              window,
              (int) r.integer("blocked-requests", 20, 0, 1_000_000),
              (int) r.integer("auth-failures", 10, 0, 1_000_000),
              factor,
              minTokens,
              (int) r.integer("new-models-after", 0, 0, 1_000_000),
              r.duration("suspend", Duration.ZERO));
      IncidentState incidents =
          env.shared(
              "incident", IncidentState.class, () -> new IncidentState(env.clock(), env.events()));
      AnomalyDetector detector =
          env.shared(
              "anomaly",
              AnomalyDetector.class,
              () -> new AnomalyDetector(s, env.clock(), env.events(), incidents));
      // Only once this r.node() is accepted: a rejected reload neither changes the thresholds nor
      // starts a detector the running r.node() does not have.
      env.whenAccepted(
          () -> {
            detector.configure(s);
            detector.listenTo(env);
          });
      return new AnomalyFilter(settings, detector);
    }
  }
}
