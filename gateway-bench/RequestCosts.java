import dev.lmgate.app.config.ConfigLoader;
import dev.lmgate.core.chain.RequestContext;
import dev.lmgate.core.json.Json;
import dev.lmgate.core.route.RouteTable;
import dev.lmgate.filters.auth.FileKeyStore;
import dev.lmgate.spi.GatewayFilter;
import dev.lmgate.spi.Route;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What each request filter of a gateway config costs on one request body (issue 19,
 * docs/performance.md): builds the config's filters, parses the body as the gateway does, and
 * times each filter's {@code onRequest} (20,000 requests to warm up, 50,000 timed), one filter at a
 * time, on the calling thread. `authenticate` sees no credential here (it answers 401 at once), so
 * its row is the cost of refusing, not of checking a key.
 *
 *   java -cp gateway-app/target/lmgate.jar gateway-bench/RequestCosts.java config/gateway.yaml \
 *     ../shared/bench/requests/chat.json [../shared/bench/stub/generated/chat.json]
 *
 * With an answer (the third argument), each response filter's onResponse on it is timed too.
 */
public class RequestCosts {
  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("lmgate-costs");
    FileKeyStore.open(dir.resolve("keys.json"), "", false).close();
    Map<String, String> env = dev.lmgate.app.config.StateVariables.in(dir);
    List<GatewayFilter> filters = new ConfigLoader(env::get).load(Path.of(args[0])).filters();
    byte[] body = Files.readAllBytes(Path.of(args[1]));
    Route chat =
        ((RouteTable.Found) RouteTable.lmStudio().match("POST", "/v1/chat/completions")).route();
    long[] ids = {0};
    java.util.function.Supplier<RequestContext> request =
        () ->
            new RequestContext(
                "cost-" + ids[0]++, chat, "POST", "/v1/chat/completions", Map::of, body.length,
                Json.parse(body).orElseThrow(), "127.0.0.1:1");
    long parse = 0;
    for (int round = 0; round < 70_000; round++) {
      long t0 = System.nanoTime();
      request.get();
      if (round >= 20_000) {
        parse += System.nanoTime() - t0;
      }
    }
    // the tool's report goes to standard output: timings and filter ids only
    System.out.printf("  %-20s %7.2f µs (parse the body, build the request view)%n", "request", parse / 50_000.0 / 1_000);
    for (GatewayFilter f : filters) {
      long nanos = 0;
      for (int round = 0; round < 70_000; round++) {
        RequestContext ctx = request.get();
        long t0 = System.nanoTime();
        f.onRequest(ctx).toCompletableFuture().join();
        if (round >= 20_000) {
          nanos += System.nanoTime() - t0;
        }
        f.onExchangeEnd(ctx, ended(ctx));
      }
      System.out.printf("  %-20s %7.2f µs%n", f.id(), nanos / 50_000.0 / 1_000);
    }
    if (args.length > 2) {
      answers(filters, request, Files.readAllBytes(Path.of(args[2])));
    }
  }

  /** Each response filter's onResponse on one answer, after its onRequest (not timed) planted what it needs. */
  private static void answers(
      List<GatewayFilter> filters, java.util.function.Supplier<RequestContext> request, byte[] answer) {
    System.out.printf("  answer (%s bytes):%n", answer.length);
    for (GatewayFilter f : filters) {
      if (!f.inspectsResponse(request.get())) {
        continue;
      }
      long nanos = 0;
      for (int round = 0; round < 70_000; round++) {
        RequestContext ctx = request.get();
        f.onRequest(ctx).toCompletableFuture().join();
        dev.lmgate.core.chain.ResponseContext rc =
            new dev.lmgate.core.chain.ResponseContext(ctx, 200, Json.parse(answer).orElseThrow());
        rc.outputs(); // read once before the filters, as the gateway does (for the usage)
        long t0 = System.nanoTime();
        f.onResponse(rc).toCompletableFuture().join();
        if (round >= 20_000) {
          nanos += System.nanoTime() - t0;
        }
        f.onExchangeEnd(ctx, ended(ctx));
      }
      System.out.printf("  %-20s %7.2f µs%n", f.id(), nanos / 50_000.0 / 1_000);
    }
  }

  /** The exchange as it ended: answered, 200, after no time. */
  private static dev.lmgate.spi.ExchangeSummary ended(RequestContext ctx) {
    return new dev.lmgate.spi.ExchangeSummary(
        ctx.requestId(), java.time.Instant.now(), ctx.route(), ctx.method(), ctx.path(),
        ctx.clientAddress(), 200, dev.lmgate.spi.ExchangeSummary.Decision.FORWARDED, List.of(),
        false, 0, ctx.principal().orElse(null), ctx.conversation().model(), null,
        ctx.conversation(), List.of());
  }
}
