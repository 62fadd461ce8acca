package dev.lmgate.filters.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lmgate.filters.TestRequests;
import dev.lmgate.spi.RequestView;
import java.lang.reflect.Proxy;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ScanBudgetTest {
  /** A request whose scans must end at {@code deadline} (System.nanoTime scale). */
  static RequestView withScanDeadline(RequestView base, long deadline) {
    return (RequestView)
        Proxy.newProxyInstance(
            RequestView.class.getClassLoader(),
            new Class<?>[] {RequestView.class},
            (proxy, method, args) ->
                method.getName().equals("scanDeadlineNanos")
                    ? deadline
                    : method.invoke(base, args));
  }

  @Test
  void aFiltersScanEndsAtTheRequestsDeadlineWhenThatComesFirst() throws Exception {
    RequestView request =
        TestRequests.chat(
            "openai-chat",
            "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    // the request's budget was spent by earlier filters: a long filter timeout does not extend it
    ScanBudget spent =
        ScanBudget.forRequest(
            withScanDeadline(request, System.nanoTime() - 1), Duration.ofMinutes(5));
    assertThat(spent.exhausted()).isTrue();
    assertThatThrownBy(spent::check).isInstanceOf(ScanBudgetExceeded.class);
    // a request deadline far away: the filter's own timeout bounds the scan
    ScanBudget own =
        ScanBudget.forRequest(
            withScanDeadline(request, System.nanoTime() + Duration.ofHours(1).toNanos()),
            Duration.ZERO);
    assertThat(own.exhausted()).isTrue();
    ScanBudget open = ScanBudget.forRequest(request, Duration.ofMinutes(5)); // no request deadline
    assertThat(open.exhausted()).isFalse();
    open.cancel();
    assertThat(open.exhausted()).isTrue();
  }
}
