import dev.lmgate.app.config.ConfigLoader;
import dev.lmgate.core.chain.RequestContext;
import dev.lmgate.core.chain.ResponseContext;
import dev.lmgate.core.json.Json;
import dev.lmgate.core.route.RouteTable;
import dev.lmgate.filters.auth.FileKeyStore;
import dev.lmgate.spi.GatewayFilter;
import dev.lmgate.spi.Route;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

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
    Supplier<RequestContext> request =
        () ->
            new RequestContext(
                "cost-" + ids[0]++, chat, "POST", "/v1/chat/completions", Map::of, body.length,
                Json.parse(body).orElseThrow(), "127.0.0.1:1");
    report("request", micros(() -> null, x -> request.get(), x -> {}), " (parse the body, build the request view)");
    for (GatewayFilter f : filters) {
      double us =
          micros(
              request,
              ctx -> f.onRequest(ctx).toCompletableFuture().join(),
              ctx -> f.onExchangeEnd(ctx, ended(ctx)));
      report(f.id(), us, "");
    }
    if (args.length > 2) {
      answers(filters, request, Files.readAllBytes(Path.of(args[2])));
    }
  }

  /** Each response filter's onResponse on one answer, after its onRequest (not timed) planted what it needs. */
  private static void answers(List<GatewayFilter> filters, Supplier<RequestContext> request, byte[] answer) {
    print("  answer (" + answer.length + " bytes):");
    for (GatewayFilter f : filters) {
      if (!f.inspectsResponse(request.get())) {
        continue;
      }
      double us =
          micros(
              () -> {
                RequestContext ctx = request.get();
                f.onRequest(ctx).toCompletableFuture().join();
                ResponseContext rc = new ResponseContext(ctx, 200, Json.parse(answer).orElseThrow());
                rc.outputs(); // read once before the filters, as the gateway does (for the usage)
                return rc;
              },
              rc -> f.onResponse(rc).toCompletableFuture().join(),
              rc -> f.onExchangeEnd(rc.request(), ended((RequestContext) rc.request())));
      report(f.id(), us, "");
    }
  }

  /**
   * The mean time of {@code timed} in µs: 20,000 rounds to warm up, 50,000 measured; each round's
   * input comes from {@code prepare} and goes to {@code after}, neither timed.
   */
  private static <T> double micros(Supplier<T> prepare, Consumer<T> timed, Consumer<T> after) {
    long nanos = 0;
    for (int round = 0; round < 70_000; round++) {
      T input = prepare.get();
      long t0 = System.nanoTime();
      timed.accept(input);
      if (round >= 20_000) {
        nanos += System.nanoTime() - t0;
      }
      after.accept(input);
    }
    return nanos / 50_000.0 / 1_000;
  }

  private static void report(String part, double micros, String note) {
    print(String.format(java.util.Locale.ROOT, "  %-20s %7.2f µs%s", part, micros, note));
  }

  /** The tool's report goes to standard output: timings and filter ids only. */
  private static void print(String line) {
    System.out.println(line);
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
