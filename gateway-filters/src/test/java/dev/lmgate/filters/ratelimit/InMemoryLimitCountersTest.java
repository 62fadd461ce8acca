package dev.lmgate.filters.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lmgate.filters.ratelimit.LimitCounters.Admission;
import dev.lmgate.filters.ratelimit.LimitCounters.Budget;
import dev.lmgate.filters.ratelimit.LimitCounters.Demand;
import dev.lmgate.filters.ratelimit.LimitCounters.Refusal;
import dev.lmgate.filters.ratelimit.LimitCounters.Requests;
import dev.lmgate.filters.ratelimit.LimitCounters.Slot;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Admission is all or nothing; a share scales every limit down. */
class InMemoryLimitCountersTest {
  static final Rate TWO_PER_MINUTE = new Rate(2, Duration.ofMinutes(1));

  static Admission admit(LimitCounters c, Demand d) {
    return c.admit(d, 0).toCompletableFuture().join();
  }

  @Test
  void aRefusedRequestTakesNothing() {
    InMemoryLimitCounters c = new InMemoryLimitCounters();
    Demand d =
        new Demand(
            List.of(),
            List.of(new Slot("s", 5)),
            List.of(
                new Requests("caller", new Rate(100, Duration.ofMinutes(1))),
                new Requests("role", TWO_PER_MINUTE)));
    assertThat(admit(c, d).admitted()).isTrue();
    assertThat(admit(c, d).admitted()).isTrue();
    Admission third = admit(c, d);
    assertThat(third.admitted()).isFalse();
    assertThat(third.refusal()).isEqualTo(Refusal.REQUESTS);
    assertThat(third.index()).isEqualTo(1);
    assertThat(third.waitNanos()).isPositive();
    // the refused request took no slot and no unit of the caller's own rate: 2 slots are held
    Demand slotsOnly = new Demand(List.of(), List.of(new Slot("s", 3)), List.of());
    assertThat(admit(c, slotsOnly).admitted()).as("third slot").isTrue();
    assertThat(admit(c, slotsOnly).admitted()).as("a fourth is over 3").isFalse();
  }

  @Test
  void leasesReturnSlotsAndSpentBudgetsRefuseUntilTheyRefill() {
    InMemoryLimitCounters c = new InMemoryLimitCounters();
    Demand one = new Demand(List.of(), List.of(new Slot("s", 1)), List.of());
    Admission a = admit(c, one);
    assertThat(admit(c, one).refusal()).isEqualTo(Refusal.SLOT);
    a.leases().forEach(c::release);
    assertThat(admit(c, one).admitted()).isTrue();

    Rate budget = new Rate(1000, Duration.ofMinutes(1));
    Demand spend = new Demand(List.of(new Budget("b", budget)), List.of(), List.of());
    assertThat(admit(c, spend).admitted()).isTrue();
    c.charge("b", budget, 1500, 0);
    Admission spent = c.admit(spend, 0).toCompletableFuture().join();
    assertThat(spent.refusal()).isEqualTo(Refusal.BUDGET);
    long wait = spent.waitNanos();
    assertThat(c.admit(spend, wait).toCompletableFuture().join().admitted())
        .as("once the debt has refilled")
        .isTrue();
  }

  @Test
  void aShareEnforcesItsPartOfEachLimitAndAtLeastOne() {
    InMemoryLimitCounters third = new InMemoryLimitCounters(1.0 / 3);
    Demand d =
        new Demand(
            List.of(), List.of(), List.of(new Requests("r", new Rate(60, Duration.ofMinutes(1)))));
    int admitted = 0;
    for (int i = 0; i < 60; i++) {
      admitted += admit(third, d).admitted() ? 1 : 0;
    }
    assertThat(admitted).isEqualTo(20);
    Demand slots = new Demand(List.of(), List.of(new Slot("s", 2)), List.of());
    assertThat(admit(third, slots).admitted()).as("a third of two slots: at least one").isTrue();
    assertThat(admit(third, slots).admitted()).isFalse();
  }
}
