import dev.lmgate.app.config.ConfigLoader;
import dev.lmgate.core.chain.RequestContext;
import dev.lmgate.core.json.Json;
import dev.lmgate.core.route.RouteTable;
import dev.lmgate.filters.auth.FileKeyStore;
import dev.lmgate.spi.GatewayFilter;
import dev.lmgate.spi.OutputChannel;
import dev.lmgate.spi.Route;
import dev.lmgate.spi.StreamInspector;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which output guard holds what of a streamed answer, and what each costs per event (issues 18
 * and 19, docs/performance.md): reads the answer's pieces, one per line of standard input (JSON
 * strings, as paced_stream.py prints them), builds the filters of a gateway config, and after each
 * piece asks every stream inspector from where a match could still complete. Prints how many
 * pieces end with something held, and what each filter held how often; then replays the answer
 * through fresh inspectors (1,000 streams to warm up, 3,000 timed) and prints each filter's
 * inspection time per event.
 *
 *   python3 gateway-bench/paced_stream.py pieces tokens \
 *     | java -cp gateway-app/target/lmgate.jar gateway-bench/StreamHolds.java config/gateway.yaml
 */
public class StreamHolds {
  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("lmgate-holds");
    FileKeyStore.open(dir.resolve("keys.json"), "", false).close();
    Map<String, String> env = dev.lmgate.app.config.StateVariables.in(dir);
    List<GatewayFilter> filters = new ConfigLoader(env::get).load(Path.of(args[0])).filters();
    Route chat = ((RouteTable.Found) RouteTable.lmStudio().match("POST", "/v1/chat/completions")).route();
    String body = "{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    RequestContext ctx =
        new RequestContext(
            "holds-1", chat, "POST", "/v1/chat/completions", Map::of, body.length(),
            Json.parse(body.getBytes(StandardCharsets.UTF_8)).orElseThrow(), "127.0.0.1:1");
    List<String> ids = new ArrayList<>();
    List<GatewayFilter> holders = new ArrayList<>();
    List<StreamInspector> inspectors = new ArrayList<>();
    for (GatewayFilter f : filters) {
      if (f.id().equals("prompt-policy")) {
        f.onRequest(ctx).toCompletableFuture().join(); // plants the canary
      }
      var i = f.streamInspector(ctx);
      if (i.isPresent()) {
        ids.add(f.id());
        holders.add(f);
        inspectors.add(i.get());
      }
    }
    List<String> pieces = new ArrayList<>();
    for (String line : new String(System.in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
      if (!line.isBlank()) {
        pieces.add(Json.parse(line.getBytes(StandardCharsets.UTF_8)).orElseThrow().asText());
      }
    }
    StringBuilder text = new StringBuilder();
    int[] scanFrom = new int[inspectors.size()];
    int held = 0;
    Map<String, Integer> what = new TreeMap<>();
    for (String piece : pieces) {
      text.append(piece);
      String t = text.toString();
      boolean any = false;
      for (int i = 0; i < inspectors.size(); i++) {
        var d = inspectors.get(i).inspect("0", OutputChannel.CONTENT, t, scanFrom[i], false);
        int floor = Math.max(0, t.length() - inspectors.get(i).holdBack());
        int u =
            d.undecidedFrom() == StreamInspector.StreamDecision.WINDOW
                ? floor
                : Math.max(floor, Math.min(t.length(), d.undecidedFrom()));
        scanFrom[i] = u;
        if (u < t.length()) {
          any = true;
          what.merge(ids.get(i) + " holds \"" + t.substring(u) + "\"", 1, Integer::sum);
        }
      }
      held += any ? 1 : 0;
    }
    // the tool's report goes to standard output (it prints nothing secret: the pieces are the
    // bench's ordinary answer)
    System.out.printf("%d pieces, %d end with something held; output guards: %s%n", pieces.size(), held, ids);
    what.forEach((k, v) -> System.out.printf("  %3d x %s%n", v, k));

    long[] nanos = new long[inspectors.size()];
    for (int round = 0; round < 4_000; round++) {
      boolean timed = round >= 1_000;
      for (int i = 0; i < inspectors.size(); i++) {
        StreamInspector inspector = holders.get(i).streamInspector(ctx).orElseThrow();
        StringBuilder sofar = new StringBuilder();
        int from = 0;
        long t0 = System.nanoTime();
        for (int k = 0; k < pieces.size(); k++) {
          sofar.append(pieces.get(k));
          String t = sofar.toString();
          var d = inspector.inspect("0", OutputChannel.CONTENT, t, from, k == pieces.size() - 1);
          from = Math.max(Math.max(0, t.length() - inspector.holdBack()), Math.min(t.length(), Math.max(0, d.undecidedFrom())));
        }
        if (timed) {
          nanos[i] += System.nanoTime() - t0;
        }
      }
    }
    for (int i = 0; i < inspectors.size(); i++) {
      System.out.printf("  %-16s %6.2f µs per event%n", ids.get(i), nanos[i] / 3_000.0 / pieces.size() / 1_000);
    }
  }
}
