package dev.lmgate.core.proxy;

import dev.lmgate.core.admin.GatewayMetrics;
import dev.lmgate.core.chain.FilterChain;
import dev.lmgate.core.route.RouteTable;
import dev.lmgate.spi.ExchangeListener;
import dev.lmgate.spi.Secret;
import java.time.Clock;
import java.util.function.Supplier;

/**
 * What every exchange shares: settings, the current filter chain (swapped atomically on reload),
 * the pool, metrics, listeners, the clock and the id source.
 */
record GatewayContext(
    ServerSettings settings,
    RouteTable routes,
    Supplier<FilterChain> chain,
    UpstreamPool pool,
    GatewayMetrics metrics,
    ExchangeListener listener,
    Clock clock,
    Supplier<String> ids,
    UpstreamKey upstreamKey) {

  /** The key to present to LM Studio, or {@code null} when none is configured. */
  Secret upstreamKeyNow() {
    return upstreamKey == null ? null : upstreamKey.get();
  }
}
