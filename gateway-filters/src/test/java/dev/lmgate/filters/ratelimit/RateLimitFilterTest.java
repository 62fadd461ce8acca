package dev.lmgate.filters.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.lmgate.filters.RecordingEvents;
import dev.lmgate.filters.TestRequest;
import dev.lmgate.spi.ExchangeSummary;
import dev.lmgate.spi.FilterEnvironment;
import dev.lmgate.spi.FilterSettings;
import dev.lmgate.spi.GatewayFilter;
import dev.lmgate.spi.Principal;
import dev.lmgate.spi.SecurityEvent;
import dev.lmgate.spi.TokenUsage;
import dev.lmgate.spi.Verdict;
import dev.lmgate.testkit.FakeClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RateLimitFilterTest {
  final FakeClock clock = new FakeClock(Instant.parse("2026-11-25T12:00:00Z"));
  final RecordingEvents events = new RecordingEvents();
  final FilterEnvironment env = FilterEnvironment.of(clock, events);

  GatewayFilter filter(String yaml) throws Exception {
    return new RateLimitFilter.Factory()
        .create(
            "filters[2]",
            new YAMLMapper().readTree(yaml),
            FilterSettings.defaults(FilterSettings.Action.BLOCK),
            env);
  }

  static Principal key(String id, String... roles) {
    return new Principal(
        "key:" + id, Principal.Kind.API_KEY, id, Set.of(roles), Set.of(), List.of(), "", null);
  }

  static Verdict call(GatewayFilter f, TestRequest r) {
    return f.onRequest(r).toCompletableFuture().join();
  }

  static void end(GatewayFilter f, TestRequest r, TokenUsage usage) {
    f.onExchangeEnd(
        r,
        new ExchangeSummary(
            r.requestId(),
            Instant.EPOCH,
            r.route(),
            "POST",
            r.path(),
            "",
            200,
            ExchangeSummary.Decision.FORWARDED,
            List.of(),
            false,
            0,
            r.principal().orElse(null),
            "m",
            usage));
  }

  @Test
  void requestsPerWindow_429WithRetryAfter_thenRecovery() throws Exception {
    GatewayFilter f = filter("default: {requests: 2/1m}");
    Principal alice = key("alice");
    for (int i = 0; i < 2; i++) {
      TestRequest r = TestRequest.chat("m").principal(alice);
      assertThat(call(f, r).kind()).isEqualTo(Verdict.Kind.PASS);
      end(f, r, null);
    }
    Verdict over = call(f, TestRequest.chat("m").principal(alice));
    assertThat(over.rejection().status()).isEqualTo(429);
    assertThat(over.rejection().headers().get("retry-after")).isEqualTo("30");
    assertThat(events.last().type()).isEqualTo(SecurityEvent.Type.LIMIT_EXCEEDED);
    assertThat(events.last().reason()).isEqualTo("requests_per_window");
    assertThat(call(f, TestRequest.chat("m").principal(key("bob"))).kind())
        .as("each caller has its own counter")
        .isEqualTo(Verdict.Kind.PASS);
    clock.advance(Duration.ofSeconds(30));
    assertThat(call(f, TestRequest.chat("m").principal(alice)).kind()).isEqualTo(Verdict.Kind.PASS);
  }

  @Test
  void concurrentRequestsAreReleasedWhenTheExchangeEnds() throws Exception {
    GatewayFilter f = filter("roles: {developer: {concurrent: 1}}");
    Principal p = key("k1", "developer");
    TestRequest first = TestRequest.chat("m").principal(p);
    assertThat(call(f, first).kind()).isEqualTo(Verdict.Kind.PASS);
    assertThat(call(f, TestRequest.chat("m").principal(p)).rejection().code())
        .isEqualTo("rate_limit_exceeded");
    assertThat(events.last().reason()).isEqualTo("concurrent_requests");
    end(f, first, null);
    assertThat(call(f, TestRequest.chat("m").principal(p)).kind()).isEqualTo(Verdict.Kind.PASS);
  }

  @Test
  void tokenBudgetsChargeReportedUsage_andSurviveAReload() throws Exception {
    String yaml = "default: {tokens: 1000/1h}";
    GatewayFilter f = filter(yaml);
    Principal p = key("k2");
    TestRequest r = TestRequest.chat("m").principal(p);
    assertThat(call(f, r).kind()).isEqualTo(Verdict.Kind.PASS);
    assertThat(f.inspectsResponse(r)).as("usage is needed").isTrue();
    end(f, r, new TokenUsage(400, 700, false));
    GatewayFilter reloaded = filter(yaml);
    Verdict spent = call(reloaded, TestRequest.chat("m").principal(p));
    assertThat(spent.rejection().status()).isEqualTo(429);
    assertThat(events.last().reason()).isEqualTo("tokens_per_window");
    clock.advance(Duration.ofMinutes(10)); // refills 1000/h: the 100-token debt is paid after 6 min
    assertThat(call(reloaded, TestRequest.chat("m").principal(p)).kind())
        .isEqualTo(Verdict.Kind.PASS);
  }

  @Test
  void sharedRolePoolsLimitTheRoleAsAWhole() throws Exception {
    GatewayFilter f = filter("shared: {interns: {requests: 1/1h}}");
    assertThat(call(f, TestRequest.chat("m").principal(key("a", "interns"))).kind())
        .isEqualTo(Verdict.Kind.PASS);
    assertThat(call(f, TestRequest.chat("m").principal(key("b", "interns"))).rejection().status())
        .isEqualTo(429);
  }

  @Test
  void ratesReadAsWritten() throws Exception {
    assertThat(Rate.parse("p", "60/m")).isEqualTo(new Rate(60, Duration.ofMinutes(1)));
    assertThat(Rate.parse("p", "100000 / 1h").toString()).isEqualTo("100000/1h");
    assertThat(Rate.parse("p", "5/90s").toString()).isEqualTo("5/90s");
  }

  @Test
  void ratesAreValidated() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> filter("default: {requests: 10 per minute}"))
        .hasMessageContaining("filters[2].default.requests");
  }
}
