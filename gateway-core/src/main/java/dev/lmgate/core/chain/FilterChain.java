package dev.lmgate.core.chain;

import dev.lmgate.spi.ExchangeSummary;
import dev.lmgate.spi.FilterOutcome;
import dev.lmgate.spi.GatewayFilter;
import dev.lmgate.spi.Principal;
import dev.lmgate.spi.Rejection;
import dev.lmgate.spi.RequestView;
import dev.lmgate.spi.Verdict;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the configured filters in YAML order, one at a time, for one phase of an exchange. Each
 * filter's stage is awaited with its timeout; the continuation always resumes on the connection's
 * event loop. Failures follow the filter's {@code on-error}; a filter in {@code action: alert} can
 * only alert (its blocks and edits are recorded, not applied). Every run is recorded as a {@link
 * FilterOutcome}.
 *
 * <p>Immutable; one chain per loaded config, shared by all connections.
 */
public final class FilterChain {
  private static final Logger log = LoggerFactory.getLogger(FilterChain.class);

  /** Listens to filter runs (metrics). */
  public interface Observer {
    void filterRan(FilterOutcome outcome);
  }

  private final List<GatewayFilter> filters;
  private final Observer observer;

  public FilterChain(List<GatewayFilter> filters, Observer observer) {
    this.filters = List.copyOf(filters);
    this.observer = observer;
  }

  public List<GatewayFilter> filters() {
    return filters;
  }

  /** Whether any filter wants the answer to this request (so the core buffers or parses it). */
  public boolean inspectsResponse(RequestView request) {
    for (GatewayFilter f : filters) {
      if (f.inspectsResponse(request)) {
        return true;
      }
    }
    return false;
  }

  /** The inspectors and reviews the filters want over this request's streamed answer. */
  public StreamPlan streamPlan(RequestView request) {
    List<StreamPlan.Inspector> inspectors = new ArrayList<>();
    List<StreamPlan.Review> reviews = new ArrayList<>();
    for (GatewayFilter f : filters) {
      f.streamInspector(request)
          .ifPresent(i -> inspectors.add(new StreamPlan.Inspector(f.id(), f.settings(), i)));
      f.streamReview(request)
          .ifPresent(r -> reviews.add(new StreamPlan.Review(f.id(), f.settings(), r)));
    }
    return new StreamPlan(inspectors, reviews);
  }

  /**
   * Tells every filter the request phase reached that the exchange ended. A filter that throws is
   * logged and does not keep the others from hearing it.
   */
  public void exchangeEnded(RequestContext request, ExchangeSummary summary) {
    for (int i = 0; i < request.requestFiltersReached && i < filters.size(); i++) {
      try {
        filters.get(i).onExchangeEnd(request, summary);
      } catch (Exception | StackOverflowError e) {
        log.error("filter {} failed at the end of an exchange", filters.get(i).id(), e);
      }
    }
  }

  /** Runs the request phase; edits are applied to {@code request} as they come. */
  public CompletionStage<ChainResult> runRequest(
      RequestContext request, EventExecutor loop, Consumer<FilterOutcome> trace) {
    CompletableFuture<ChainResult> result = new CompletableFuture<>();
    new Run(
            filters,
            f -> {
              request.requestFiltersReached++;
              return f.onRequest(request);
            },
            request::apply,
            request::authenticate,
            FilterOutcome.Phase.REQUEST,
            loop,
            trace,
            result)
        .step(0);
    return result;
  }

  /** Runs the response phase over a whole answer; edits are applied to {@code response}. */
  public CompletionStage<ChainResult> runResponse(
      ResponseContext response, EventExecutor loop, Consumer<FilterOutcome> trace) {
    CompletableFuture<ChainResult> result = new CompletableFuture<>();
    new Run(
            filters.stream().filter(f -> f.inspectsResponse(response.request())).toList(),
            f -> f.onResponse(response),
            response::apply,
            p -> {
              throw new IllegalStateException("a principal is established in the request phase");
            },
            FilterOutcome.Phase.RESPONSE,
            loop,
            trace,
            result)
        .step(0);
    return result;
  }

  /** The rejection a client gets when a fail-closed filter cannot decide. */
  static Rejection unavailable(String filterId) {
    return new Rejection(
        503,
        "service_unavailable",
        "filter_unavailable",
        "",
        "The gateway could not complete its security checks ("
            + filterId
            + "); the request was not forwarded. Try again later.");
  }

  private final class Run {
    private final List<GatewayFilter> list;
    private final Function<GatewayFilter, CompletionStage<Verdict>> call;
    private final Consumer<List<dev.lmgate.spi.Edit>> applier;
    private final Consumer<Principal> authenticator;
    private final FilterOutcome.Phase phase;
    private final EventExecutor loop;
    private final Consumer<FilterOutcome> trace;
    private final CompletableFuture<ChainResult> result;

    Run(
        List<GatewayFilter> list,
        Function<GatewayFilter, CompletionStage<Verdict>> call,
        Consumer<List<dev.lmgate.spi.Edit>> applier,
        Consumer<Principal> authenticator,
        FilterOutcome.Phase phase,
        EventExecutor loop,
        Consumer<FilterOutcome> trace,
        CompletableFuture<ChainResult> result) {
      this.list = list;
      this.call = call;
      this.applier = applier;
      this.authenticator = authenticator;
      this.phase = phase;
      this.loop = loop;
      this.trace = trace;
      this.result = result;
    }

    void step(int i) {
      if (i == list.size()) {
        result.complete(ChainResult.proceed());
        return;
      }
      GatewayFilter f = list.get(i);
      long t0 = System.nanoTime();
      CompletableFuture<Verdict> cf;
      try {
        CompletionStage<Verdict> st = call.apply(f);
        cf =
            st == null
                ? CompletableFuture.failedFuture(
                    new IllegalStateException(f.id() + " returned null"))
                : st.toCompletableFuture();
      } catch (Throwable e) { // Errors too (a StackOverflowError in a pattern): on-error decides
        cf = CompletableFuture.failedFuture(e);
      }
      if (cf.isDone()) {
        settle(i, f, t0, cf);
        return;
      }
      CompletableFuture<Verdict> pending = cf;
      long timeoutNanos = f.settings().timeout().toNanos();
      ScheduledFuture<?> timer =
          loop.schedule(
              () -> {
                pending.completeExceptionally(new TimeoutException());
              },
              timeoutNanos,
              TimeUnit.NANOSECONDS);
      pending.whenComplete(
          (v, e) -> {
            timer.cancel(false);
            if (loop.inEventLoop()) {
              settle(i, f, t0, pending);
            } else {
              loop.execute(() -> settle(i, f, t0, pending));
            }
          });
    }

    private void settle(int i, GatewayFilter f, long t0, CompletableFuture<Verdict> cf) {
      Verdict v;
      try {
        v = cf.join();
        if (v == null) {
          throw new IllegalStateException(f.id() + " returned a null verdict");
        }
      } catch (RuntimeException e) { // join() wraps whatever the stage failed with, Errors too
        Enforcement.Result failed = Enforcement.failed(f.settings(), e);
        record(f, failed.outcome(), failed.reason(), t0);
        if (failed.stops()) {
          result.complete(new ChainResult(unavailable(f.id()), f.id()));
        } else {
          step(i + 1);
        }
        return;
      }
      if (v.principal() != null) {
        try {
          authenticator.accept(v.principal());
        } catch (RuntimeException e) {
          record(f, FilterOutcome.Outcome.ERROR_BLOCKED, "conflicting principal", t0);
          result.complete(new ChainResult(unavailable(f.id()), f.id()));
          return;
        }
      }
      Enforcement.Result r = Enforcement.of(f.settings(), v.kind(), v.reason());
      if (r.changes()) {
        try {
          applier.accept(v.edits());
        } catch (RuntimeException e) {
          record(f, FilterOutcome.Outcome.ERROR_BLOCKED, "invalid edit", t0);
          result.complete(new ChainResult(unavailable(f.id()), f.id()));
          return;
        }
      }
      record(f, r.outcome(), r.reason(), t0);
      if (r.stops()) {
        result.complete(new ChainResult(v.rejection(), f.id()));
        return;
      }
      step(i + 1);
    }

    private void record(GatewayFilter f, FilterOutcome.Outcome o, String reason, long t0) {
      FilterOutcome fo = new FilterOutcome(f.id(), phase, o, reason, System.nanoTime() - t0);
      trace.accept(fo);
      observer.filterRan(fo);
    }
  }
}
