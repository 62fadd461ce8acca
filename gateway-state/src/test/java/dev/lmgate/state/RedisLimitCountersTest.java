package dev.lmgate.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lmgate.filters.ratelimit.InMemoryLimitCounters;
import dev.lmgate.filters.ratelimit.LimitCounters;
import dev.lmgate.filters.ratelimit.LimitCounters.Admission;
import dev.lmgate.filters.ratelimit.LimitCounters.Budget;
import dev.lmgate.filters.ratelimit.LimitCounters.Demand;
import dev.lmgate.filters.ratelimit.LimitCounters.Refusal;
import dev.lmgate.filters.ratelimit.LimitCounters.Requests;
import dev.lmgate.filters.ratelimit.LimitCounters.Slot;
import dev.lmgate.filters.ratelimit.Rate;
import dev.lmgate.testkit.Eventually;
import dev.lmgate.testkit.RedisServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two replicas' counters on one real Redis behave as one: a shared rate, shared slots and budgets,
 * leases that expire when a replica dies; and what happens while Redis is down and after it is
 * back.
 */
class RedisLimitCountersTest {
  static final Duration COMMAND_TIMEOUT = Duration.ofMillis(100);
  RedisServer redis;
  RedisEngine a;
  RedisEngine b;

  @BeforeEach
  void start() throws Exception {
    redis = RedisServer.start();
    a = RedisEngine.start(redis.url(), COMMAND_TIMEOUT);
    b = RedisEngine.start(redis.url(), COMMAND_TIMEOUT);
    assertThat(Eventually.within(Duration.ofSeconds(10), () -> a.up() && b.up())).isTrue();
  }

  @AfterEach
  void stop() {
    a.close();
    b.close();
    redis.close();
  }

  static Admission admit(LimitCounters c, Demand d) {
    // a bound on waiting, not a timing assertion: an admission must never hang
    return c.admit(d, System.nanoTime())
        .toCompletableFuture()
        .orTimeout(5, TimeUnit.SECONDS)
        .join();
  }

  static Demand requests(Rate rate) {
    return new Demand(List.of(), List.of(), List.of(new Requests("caller:key:k1:requests", rate)));
  }

  @Test
  void twoReplicasShareOneRate() {
    LimitCounters first = new RedisLimitCounters(a, "r1", Duration.ofMinutes(5), null);
    LimitCounters second = new RedisLimitCounters(b, "r2", Duration.ofMinutes(5), null);
    Demand d = requests(new Rate(60, Duration.ofHours(1))); // refills ~1 per minute: none here
    int admitted = 0;
    for (int i = 0; i < 90; i++) {
      admitted += admit(i % 2 == 0 ? first : second, d).admitted() ? 1 : 0;
    }
    assertThat(admitted).isEqualTo(60);
    Admission refused = admit(first, d);
    assertThat(refused.refusal()).isEqualTo(Refusal.REQUESTS);
    assertThat(refused.waitNanos()).isPositive();
  }

  @Test
  void slotsAreSharedReleasedAndExpireWithTheirLease() throws Exception {
    LimitCounters first = new RedisLimitCounters(a, "r1", Duration.ofMillis(400), null);
    LimitCounters second = new RedisLimitCounters(b, "r2", Duration.ofMillis(400), null);
    Demand one = new Demand(List.of(), List.of(new Slot("caller:key:k1:concurrent", 2)), List.of());
    Admission held = admit(first, one);
    assertThat(admit(second, one).admitted()).isTrue();
    assertThat(admit(first, one).refusal()).isEqualTo(Refusal.SLOT);
    held.leases().forEach(first::release);
    assertThat(Eventually.within(Duration.ofSeconds(2), () -> admit(second, one).admitted()))
        .as("a released slot is free on the other replica")
        .isTrue();
    // nobody releases these two: a replica that died; its leases run out
    assertThat(admit(first, one).admitted()).isFalse();
    assertThat(Eventually.within(Duration.ofSeconds(3), () -> admit(first, one).admitted()))
        .as("expired leases free their slots")
        .isTrue();
  }

  @Test
  void tokensChargedOnOneReplicaSpendTheBudgetOnTheOther() throws Exception {
    LimitCounters first = new RedisLimitCounters(a, "r1", Duration.ofMinutes(5), null);
    LimitCounters second = new RedisLimitCounters(b, "r2", Duration.ofMinutes(5), null);
    Rate budget = new Rate(1000, Duration.ofHours(1));
    Demand d =
        new Demand(List.of(new Budget("caller:key:k1:tokens", budget)), List.of(), List.of());
    assertThat(admit(second, d).admitted()).isTrue();
    first.charge("caller:key:k1:tokens", budget, 1500, System.nanoTime());
    assertThat(Eventually.within(Duration.ofSeconds(2), () -> !admit(second, d).admitted()))
        .isTrue();
    assertThat(admit(second, d).refusal()).isEqualTo(Refusal.BUDGET);
  }

  @Test
  void whileRedisIsDownEachReplicaEnforcesItsShareAndRecoversWhenItIsBack() throws Exception {
    InMemoryLimitCounters half = new InMemoryLimitCounters(0.5);
    RedisLimitCounters first = new RedisLimitCounters(a, "r1", Duration.ofMinutes(5), half);
    Demand d = requests(new Rate(60, Duration.ofHours(1)));
    assertThat(admit(first, d).admitted()).isTrue();
    redis.stop();
    int admitted = 0;
    for (int i = 0; i < 40; i++) {
      admitted += admit(first, d).admitted() ? 1 : 0;
    }
    assertThat(admitted).as("half of 60, counted here alone").isEqualTo(30);
    assertThat(first.degradedAdmissions()).isEqualTo(40);

    redis.restart(); // empty: the shared bucket starts full again
    assertThat(Eventually.within(Duration.ofSeconds(15), () -> admit(first, d).admitted()))
        .as("back on the shared counters once Redis answers")
        .isTrue();
    long degraded = first.degradedAdmissions();
    admit(first, d);
    assertThat(first.degradedAdmissions()).isEqualTo(degraded);
  }

  @Test
  void withoutAFallbackAnOutageFailsTheAdmissionAtOnce() {
    RedisLimitCounters strict = new RedisLimitCounters(a, "r1", Duration.ofMinutes(5), null);
    redis.stop();
    assertThatThrownBy(() -> admit(strict, requests(new Rate(60, Duration.ofMinutes(1)))))
        .isInstanceOf(CompletionException.class)
        .hasMessageContaining("shared rate-limit counters unavailable");
  }
}
