package dev.lmgate.filters.ratelimit;

import dev.lmgate.spi.BaseFilter;
import dev.lmgate.spi.ConfigException;
import dev.lmgate.spi.ConfigReader;
import dev.lmgate.spi.ExchangeSummary;
import dev.lmgate.spi.FilterDescription;
import dev.lmgate.spi.FilterEnvironment;
import dev.lmgate.spi.FilterFactory;
import dev.lmgate.spi.FilterSettings;
import dev.lmgate.spi.GatewayFilter;
import dev.lmgate.spi.Principal;
import dev.lmgate.spi.Rejection;
import dev.lmgate.spi.RequestView;
import dev.lmgate.spi.SecurityEvent;
import dev.lmgate.spi.Verdict;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code rate-limit}: requests per window, concurrent requests and tokens (prompt + completion) per
 * window, for each caller (by key, token subject or role) and for each role as a whole. Over a
 * limit the client gets 429 with {@code Retry-After}. Token budgets are charged when the exchange
 * ends, with the usage LM Studio reported (for streams the core asks for it with {@code
 * stream_options.include_usage}) or, where none came, an estimate; a request is refused while its
 * budget is spent.
 *
 * <p>Counters live in {@link LimitCounters}, shared across hot reloads.
 */
public final class RateLimitFilter extends BaseFilter {
  public static final String ID = "rate-limit";

  /** One caller's or one role's limits; a null rate or 0 concurrency means no limit. */
  record Limits(Rate requests, int concurrent, Rate tokens) {
    static final Limits NONE = new Limits(null, 0, null);

    /** The more generous of two limit sets, dimension by dimension. */
    Limits max(Limits o) {
      return new Limits(
          generous(requests, o.requests),
          concurrent == 0 || o.concurrent == 0 ? 0 : Math.max(concurrent, o.concurrent),
          generous(tokens, o.tokens));
    }

    private static Rate generous(Rate a, Rate b) {
      if (a == null || b == null) {
        return null;
      }
      double ra = (double) a.amount() / a.window().toNanos();
      double rb = (double) b.amount() / b.window().toNanos();
      return ra >= rb ? a : b;
    }
  }

  /** Counters one request holds until its exchange ends: slot leases, budgets to charge. */
  private record Lease(List<String> slots, List<LimitCounters.Budget> tokenBuckets) {}

  private final FilterEnvironment env;
  private final LimitCounters counters;
  private final Limits defaults;
  private final Map<String, Limits> roles;
  private final Map<String, Limits> keys;
  private final Map<String, Limits> subjects;
  private final Map<String, Limits> shared;

  /** The slots and budgets an exchange holds, kept with it until it ends. */
  private final dev.lmgate.spi.ExchangeAttributes.Key<Lease> lease =
      new dev.lmgate.spi.ExchangeAttributes.Key<>(ID + "/lease");

  RateLimitFilter(
      FilterSettings settings,
      FilterEnvironment env,
      LimitCounters counters,
      Limits defaults,
      Map<String, Limits> roles,
      Map<String, Limits> keys,
      Map<String, Limits> subjects,
      Map<String, Limits> shared) {
    super(ID, settings);
    this.env = env;
    this.counters = counters;
    this.defaults = defaults;
    this.roles = Map.copyOf(roles);
    this.keys = Map.copyOf(keys);
    this.subjects = Map.copyOf(subjects);
    this.shared = Map.copyOf(shared);
  }

  /** The limits that apply to one caller. */
  Limits callerLimits(Principal p) {
    if (p == null) {
      return defaults;
    }
    if (p.kind() == Principal.Kind.API_KEY) {
      Limits k = keys.get(p.id().substring("key:".length()));
      if (k != null) {
        return k;
      }
    } else {
      String sub = p.id().substring(p.id().indexOf('#') + 1);
      Limits s = subjects.getOrDefault(sub, subjects.get(p.subject()));
      if (s != null) {
        return s;
      }
    }
    Limits best = null;
    for (String r : p.roles()) {
      Limits l = roles.get(r);
      if (l != null) {
        best = best == null ? l : best.max(l);
      }
    }
    return best == null ? defaults : best;
  }

  @Override
  public CompletionStage<Verdict> onRequest(RequestView request) {
    Principal p = request.principal().orElse(null);
    String caller = p == null ? "addr:" + host(request.clientAddress()) : p.id();
    Map<String, Limits> applicable = new java.util.LinkedHashMap<>();
    applicable.put("caller:" + caller, callerLimits(p));
    if (p != null) {
      for (String r : p.roles()) {
        Limits l = shared.get(r);
        if (l != null) {
          applicable.put("role:" + r, l);
        }
      }
    }
    List<LimitCounters.Budget> budgets = new ArrayList<>();
    List<LimitCounters.Slot> slots = new ArrayList<>();
    List<LimitCounters.Requests> requests = new ArrayList<>();
    for (Map.Entry<String, Limits> e : applicable.entrySet()) {
      Limits l = e.getValue();
      if (l.tokens() != null) {
        budgets.add(new LimitCounters.Budget(e.getKey() + ":tokens", l.tokens()));
      }
      if (l.concurrent() > 0) {
        slots.add(new LimitCounters.Slot(e.getKey() + ":concurrent", l.concurrent()));
      }
      if (l.requests() != null) {
        requests.add(new LimitCounters.Requests(e.getKey() + ":requests", l.requests()));
      }
    }
    LimitCounters.Demand demand = new LimitCounters.Demand(budgets, slots, requests);
    if (demand.isEmpty()) {
      return CompletableFuture.completedFuture(Verdict.pass());
    }
    // The chain completes this stage itself when the filter's timeout passes; slots the counters
    // grant after that belong to nobody, so they go back at once instead of waiting for their lease
    CompletableFuture<Verdict> verdict = new CompletableFuture<>();
    counters
        .admit(demand, nanos(env.clock().instant()))
        .whenComplete(
            (a, e) -> {
              if (e != null) {
                verdict.completeExceptionally(e);
                return;
              }
              if (!a.admitted()) {
                verdict.complete(limited(request, demand, a));
                return;
              }
              if (!a.leases().isEmpty() || !budgets.isEmpty()) {
                request.attributes().put(lease, new Lease(a.leases(), budgets));
              }
              if (!verdict.complete(Verdict.pass())) {
                Lease late = request.attributes().remove(lease);
                if (late != null) {
                  late.slots().forEach(counters::release);
                }
              }
            });
    return verdict;
  }

  /** Token budgets need the answer's usage: the core then parses the answer or stream for it. */
  @Override
  public boolean inspectsResponse(RequestView request) {
    Lease l = request.attributes().get(lease);
    return l != null && !l.tokenBuckets().isEmpty() && request.route().operation().carriesPrompt();
  }

  @Override
  public void onExchangeEnd(RequestView request, ExchangeSummary summary) {
    Lease l = request.attributes().remove(lease);
    if (l == null) {
      return;
    }
    l.slots().forEach(counters::release);
    if (summary.usage() != null && summary.usage().total() > 0) {
      long now = nanos(env.clock().instant());
      for (LimitCounters.Budget b : l.tokenBuckets()) {
        counters.charge(b.key(), b.rate(), summary.usage().total(), now);
      }
    }
  }

  /** The refusal of the check that failed, named as the client and the audit trail read it. */
  private Verdict limited(
      RequestView request, LimitCounters.Demand demand, LimitCounters.Admission a) {
    return switch (a.refusal()) {
      case BUDGET ->
          limited(
              request,
              "tokens_per_window",
              demand.budgets().get(a.index()).rate() + " tokens",
              a.waitNanos());
      case SLOT ->
          limited(
              request,
              "concurrent_requests",
              demand.slots().get(a.index()).max() + " concurrent requests",
              a.waitNanos());
      case REQUESTS ->
          limited(
              request,
              "requests_per_window",
              demand.requests().get(a.index()).rate() + " requests",
              a.waitNanos());
    };
  }

  private Verdict limited(RequestView request, String reason, String limit, long waitNanos) {
    long seconds = Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
    String message = "Rate limit reached (" + limit + "); retry after " + seconds + " s.";
    env.events()
        .emit(
            SecurityEvent.of(
                env.clock().instant(),
                SecurityEvent.Type.LIMIT_EXCEEDED,
                reason,
                request,
                message));
    return Verdict.block(
        reason,
        new Rejection(429, "rate_limit_error", "rate_limit_exceeded", "", message)
            .withHeader("retry-after", Long.toString(seconds)));
  }

  private static String host(String address) {
    int colon = address.lastIndexOf(':');
    return colon < 0 ? address : address.substring(0, colon);
  }

  private static long nanos(Instant t) {
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }

  /** Builds the filter from YAML. */
  public static final class Factory implements FilterFactory {
    private static final Set<String> LIMIT_KEYS = Set.of("requests", "concurrent", "tokens");

    @Override
    public FilterDescription describe() {
      return FilterDescription.of(
              ID,
              FilterDescription.Stage.WHO_AND_WHETHER,
              "Limits requests, concurrent requests and tokens per window, per key, subject or role.",
              "identity.md#rate-limit")
          .after("authenticate")
          .handbook(5)
          .keys("default", "roles", "keys", "subjects", "shared");
    }

    @Override
    public GatewayFilter create(ConfigReader r, FilterSettings settings, FilterEnvironment env)
        throws ConfigException {
      Limits defaults = r.has("default") ? limits(r.child("default")) : Limits.NONE;
      LimitCounters counters =
          env.shared("rate-limit.counters", LimitCounters.class, InMemoryLimitCounters::new);
      return new RateLimitFilter(
          settings,
          env,
          counters,
          defaults,
          map(r, "roles"),
          map(r, "keys"),
          map(r, "subjects"),
          map(r, "shared"));
    }

    private static Map<String, Limits> map(ConfigReader r, String key) throws ConfigException {
      Map<String, Limits> m = new HashMap<>();
      if (r.has(key)) {
        ConfigReader c = r.child(key);
        for (var it = c.node().fieldNames(); it.hasNext(); ) {
          String name = it.next();
          m.put(name, limits(c.child(name)));
        }
      }
      return m;
    }

    private static Limits limits(ConfigReader c) throws ConfigException {
      c.only(LIMIT_KEYS);
      return new Limits(
          c.has("requests")
              ? Rate.parse(c.path() + ".requests", c.requiredString("requests"))
              : null,
          (int) c.integer("concurrent", 0, 0, 1_000_000),
          c.has("tokens") ? Rate.parse(c.path() + ".tokens", c.requiredString("tokens")) : null);
    }
  }
}
