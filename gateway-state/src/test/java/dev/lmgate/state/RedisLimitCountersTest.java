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

  static final Demand ONE_SLOT =
      new Demand(List.of(), List.of(new Slot("caller:key:k1:concurrent", 2)), List.of());

  /** The leases held now in the slot's set, as Redis counts them; -1 while it does not answer. */
  long held() {
    try {
      return b.commands()
          .orElseThrow()
          .zcard(RedisLimitCounters.PREFIX + "caller:key:k1:concurrent")
          .toCompletableFuture()
          .join();
    } catch (CompletionException e) {
      return -1;
    }
  }

  @Test
  void slotsAreSharedAndAReleaseFreesOneAtOnce() {
    LimitCounters first = new RedisLimitCounters(a, "r1", Duration.ofMinutes(5), null);
    LimitCounters second = new RedisLimitCounters(b, "r2", Duration.ofMinutes(5), null);
    Admission held = admit(first, ONE_SLOT);
    assertThat(admit(second, ONE_SLOT).admitted()).isTrue();
    assertThat(admit(first, ONE_SLOT).refusal()).isEqualTo(Refusal.SLOT);
    held.leases().forEach(first::release);
    admit(second, ONE_SLOT); // after the release on the same connection: ordered behind it
    assertThat(held()).as("released, then taken again by the other replica").isEqualTo(2);
    assertThat(admit(first, ONE_SLOT).refusal()).isEqualTo(Refusal.SLOT);
  }

  @Test
  void theLeasesOfAReplicaThatDiedExpire() throws Exception {
    LimitCounters dying = new RedisLimitCounters(a, "r1", Duration.ofMillis(300), null);
    LimitCounters other = new RedisLimitCounters(b, "r2", Duration.ofMinutes(5), null);
    admit(dying, ONE_SLOT);
    admit(dying, ONE_SLOT); // never released
    assertThat(admit(other, ONE_SLOT).refusal()).isEqualTo(Refusal.SLOT);
    assertThat(Eventually.within(Duration.ofSeconds(3), () -> admit(other, ONE_SLOT).admitted()))
        .isTrue();
  }

  @Test
  void twoReplicasWithOneNameStillHoldSlotsApart() {
    LimitCounters first = new RedisLimitCounters(a, "gw", Duration.ofMinutes(5), null);
    LimitCounters second = new RedisLimitCounters(b, "gw", Duration.ofMinutes(5), null);
    int admitted = 0;
    for (int i = 0; i < 6; i++) {
      admitted += admit(i % 2 == 0 ? first : second, ONE_SLOT).admitted() ? 1 : 0;
    }
    assertThat(admitted).isEqualTo(2);
  }

  @Test
  void aSlotTakenWhileTheReplicaStoppedWaitingIsGivenBack() throws Exception {
    LimitCounters first =
        new RedisLimitCounters(a, "r1", Duration.ofMinutes(5), new InMemoryLimitCounters());
    // Redis sleeps past the command timeout: the admission falls back, the script runs later
    redis.stall(0.5);
    Admission fallback = admit(first, ONE_SLOT);
    assertThat(fallback.admitted()).isTrue();
    assertThat(Eventually.within(Duration.ofSeconds(3), () -> a.up() && held() == 0))
        .as("what the late script took was removed after it")
        .isTrue();
  }

  @Test
  void aReleaseMadeWhileDisconnectedIsSentOnceRedisAnswers() throws Exception {
    RedisLimitCounters first = new RedisLimitCounters(a, "r1", Duration.ofMinutes(5), null);
    Admission held = admit(first, ONE_SLOT);
    assertThat(held()).isEqualTo(1);
    redis.stop();
    held.leases().forEach(first::release); // nobody to tell now
    redis.restart(); // empty again: put the lease back as if Redis had kept it
    assertThat(Eventually.within(Duration.ofSeconds(10), () -> a.up() && b.up())).isTrue();
    String key = RedisLimitCounters.PREFIX + "caller:key:k1:concurrent";
    String id = held.leases().get(0).substring(held.leases().get(0).lastIndexOf('\n') + 1);
    b.commands().orElseThrow().zadd(key, 1e15, id).toCompletableFuture().join();
    assertThat(held()).isEqualTo(1);
    admit(first, ONE_SLOT); // the next answer from Redis sends the kept release first
    assertThat(Eventually.within(Duration.ofSeconds(3), () -> held() == 1))
        .as("the kept release removed the old lease; only the new one is held")
        .isTrue();
    assertThat(b.commands().orElseThrow().zscore(key, id).toCompletableFuture().join()).isNull();
  }

  @Test
  void anEngineThatStallsIsNotUp() throws Exception {
    assertThat(a.up()).isTrue();
    redis.stall(3);
    assertThat(Eventually.within(Duration.ofSeconds(3), () -> !a.up()))
        .as("its socket is open, but it does not answer")
        .isTrue();
    assertThat(Eventually.within(Duration.ofSeconds(6), a::up)).isTrue();
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
