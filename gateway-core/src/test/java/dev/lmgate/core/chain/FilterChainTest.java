package dev.lmgate.core.chain;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.LongNode;
import dev.lmgate.core.json.Json;
import dev.lmgate.core.route.RouteTable;
import dev.lmgate.spi.Edit;
import dev.lmgate.spi.FilterOutcome;
import dev.lmgate.spi.FilterSettings;
import dev.lmgate.spi.GatewayFilter;
import dev.lmgate.spi.Rejection;
import dev.lmgate.spi.RequestView;
import dev.lmgate.spi.Route;
import dev.lmgate.spi.Verdict;
import io.netty.util.concurrent.DefaultEventExecutor;
import io.netty.util.concurrent.EventExecutor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FilterChainTest {
  private final EventExecutor loop = new DefaultEventExecutor();
  private final List<FilterOutcome> observed = new ArrayList<>();

  @AfterEach
  void stop() {
    loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  record TestFilter(
      String id, FilterSettings settings, Function<RequestView, CompletionStage<Verdict>> fn)
      implements GatewayFilter {
    @Override
    public CompletionStage<Verdict> onRequest(RequestView request) {
      return fn.apply(request);
    }
  }

  static FilterSettings settings(
      FilterSettings.Action a, FilterSettings.OnError e, Duration timeout) {
    return new FilterSettings(a, timeout, e);
  }

  static FilterSettings blocking() {
    return settings(
        FilterSettings.Action.BLOCK, FilterSettings.OnError.FAIL_CLOSED, Duration.ofSeconds(1));
  }

  RequestContext request() {
    Route r =
        ((RouteTable.Found) RouteTable.lmStudio().match("POST", "/v1/chat/completions")).route();
    String body =
        "{\"model\":\"m\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    return new RequestContext(
        "id-1",
        r,
        "POST",
        "/v1/chat/completions",
        Map::of,
        body.length(),
        Json.parse(body.getBytes(StandardCharsets.UTF_8)).orElseThrow(),
        "127.0.0.1:40000");
  }

  ChainResult run(RequestContext ctx, GatewayFilter... filters) throws Exception {
    FilterChain chain = new FilterChain(List.of(filters), observed::add);
    List<FilterOutcome> trace = new ArrayList<>();
    ChainResult r =
        loop.submit(() -> chain.runRequest(ctx, loop, trace::add))
            .get()
            .toCompletableFuture()
            .get(5, TimeUnit.SECONDS);
    assertThat(trace).isEqualTo(observed);
    return r;
  }

  static final Rejection NO = new Rejection(403, "permission_error", "nope", "", "no");

  @Test
  void anErrorThrownByAFilterFollowsItsOnErrorLikeAnyFailure() throws Exception {
    // fail-closed: an API-shaped 503 naming the filter, and the outcome recorded
    ChainResult closed =
        run(
            request(),
            new TestFilter(
                "overflows",
                blocking(),
                q -> {
                  throw new StackOverflowError();
                }));
    assertThat(closed.blocked()).isTrue();
    assertThat(closed.rejection().status()).isEqualTo(503);
    assertThat(closed.rejection().message()).contains("overflows");
    assertThat(observed)
        .extracting(FilterOutcome::verdict, FilterOutcome::reason)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                FilterOutcome.Outcome.ERROR_BLOCKED, "StackOverflowError"));
    // fail-open: skipped, recorded, the chain goes on
    observed.clear();
    ChainResult open =
        run(
            request(),
            new TestFilter(
                "overflows",
                settings(
                    FilterSettings.Action.BLOCK,
                    FilterSettings.OnError.FAIL_OPEN,
                    Duration.ofSeconds(1)),
                q -> CompletableFuture.failedFuture(new AssertionError("boom"))),
            new TestFilter(
                "after", blocking(), q -> CompletableFuture.completedFuture(Verdict.pass())));
    assertThat(open.blocked()).isFalse();
    assertThat(observed)
        .extracting(FilterOutcome::verdict)
        .containsExactly(FilterOutcome.Outcome.ERROR_SKIPPED, FilterOutcome.Outcome.PASS);
  }

  @Test
  void aBlockStopsTheChainAndLaterFiltersDoNotRun() throws Exception {
    List<String> ran = new ArrayList<>();
    ChainResult r =
        run(
            request(),
            new TestFilter(
                "first",
                blocking(),
                q -> {
                  ran.add("first");
                  return CompletableFuture.completedFuture(Verdict.block("x", NO));
                }),
            new TestFilter(
                "second",
                blocking(),
                q -> {
                  ran.add("second");
                  return CompletableFuture.completedFuture(Verdict.pass());
                }));
    assertThat(r.blocked()).isTrue();
    assertThat(r.blockedBy()).isEqualTo("first");
    assertThat(ran).containsExactly("first");
    assertThat(observed)
        .extracting(FilterOutcome::verdict)
        .containsExactly(FilterOutcome.Outcome.BLOCK);
  }

  @Test
  void editsApplyInOrderAndLaterFiltersSeeThem() throws Exception {
    RequestContext ctx = request();
    List<Long> seen = new ArrayList<>();
    run(
        ctx,
        new TestFilter(
            "cap",
            blocking(),
            q ->
                CompletableFuture.completedFuture(
                    Verdict.modify(
                        "cap", List.of(Edit.replace("/max_tokens", LongNode.valueOf(5)))))),
        new TestFilter(
            "look",
            blocking(),
            q -> {
              seen.add(q.conversation().maxOutputTokens().getAsLong());
              return CompletableFuture.completedFuture(Verdict.pass());
            }));
    assertThat(seen).containsExactly(5L);
    assertThat(ctx.modified()).isTrue();
    assertThat(ctx.json().orElseThrow().get("max_tokens").asLong()).isEqualTo(5);
  }

  @Test
  void aTimedOutFilterFailsClosedWith503() throws Exception {
    ChainResult r =
        run(
            request(),
            new TestFilter(
                "slow",
                settings(
                    FilterSettings.Action.BLOCK,
                    FilterSettings.OnError.FAIL_CLOSED,
                    Duration.ofMillis(50)),
                q -> new CompletableFuture<>()));
    assertThat(r.rejection().status()).isEqualTo(503);
    assertThat(observed)
        .singleElement()
        .satisfies(
            o -> {
              assertThat(o.verdict()).isEqualTo(FilterOutcome.Outcome.ERROR_BLOCKED);
              assertThat(o.reason()).isEqualTo("timeout");
            });
  }

  @Test
  void aFailingFailOpenFilterIsSkippedAndRecorded() throws Exception {
    ChainResult r =
        run(
            request(),
            new TestFilter(
                "broken",
                settings(
                    FilterSettings.Action.BLOCK,
                    FilterSettings.OnError.FAIL_OPEN,
                    Duration.ofSeconds(1)),
                q -> {
                  throw new IllegalStateException("boom");
                }),
            new TestFilter(
                "next", blocking(), q -> CompletableFuture.completedFuture(Verdict.pass())));
    assertThat(r.blocked()).isFalse();
    assertThat(observed)
        .extracting(FilterOutcome::verdict)
        .containsExactly(FilterOutcome.Outcome.ERROR_SKIPPED, FilterOutcome.Outcome.PASS);
  }

  @Test
  void anAlertModeFilterCannotBlockOrEdit() throws Exception {
    RequestContext ctx = request();
    FilterSettings shadow =
        settings(
            FilterSettings.Action.ALERT, FilterSettings.OnError.FAIL_CLOSED, Duration.ofSeconds(1));
    ChainResult r =
        run(
            ctx,
            new TestFilter(
                "shadow-block",
                shadow,
                q -> CompletableFuture.completedFuture(Verdict.block("x", NO))),
            new TestFilter(
                "shadow-edit",
                shadow,
                q ->
                    CompletableFuture.completedFuture(
                        Verdict.modify(
                            "cap", List.of(Edit.replace("/max_tokens", LongNode.valueOf(1)))))));
    assertThat(r.blocked()).isFalse();
    assertThat(ctx.modified()).isFalse();
    assertThat(observed)
        .extracting(FilterOutcome::verdict)
        .containsOnly(FilterOutcome.Outcome.ALERT);
  }

  @Test
  void anAsyncVerdictResumesOnTheLoop() throws Exception {
    List<Boolean> onLoop = new ArrayList<>();
    run(
        request(),
        new TestFilter("async", blocking(), q -> CompletableFuture.supplyAsync(Verdict::pass)),
        new TestFilter(
            "after",
            blocking(),
            q -> {
              onLoop.add(loop.inEventLoop());
              return CompletableFuture.completedFuture(Verdict.pass());
            }));
    assertThat(onLoop).containsExactly(true);
  }
}
