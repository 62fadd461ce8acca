package dev.lmgate.core.route;

import dev.lmgate.spi.Dialect;
import dev.lmgate.spi.Operation;
import dev.lmgate.spi.Route;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Maps a request path to the LM Studio route it targets. Paths are matched as received: no
 * normalization, no decoding ({@code /v1//models} and {@code /v1/chat%2Fcompletions} are unknown,
 * as they are to LM Studio). Query strings are not part of the match.
 */
public final class RouteTable {

  /** A route plus the methods it serves. */
  public record Entry(Route route, Set<String> methods) {}

  /** The result of a lookup. */
  public sealed interface Match permits Found, MethodNotAllowed, NotFound {}

  public record Found(Route route) implements Match {}

  public record MethodNotAllowed(Route route, Set<String> allowed) implements Match {}

  public record NotFound(Dialect dialect) implements Match {}

  private static final Set<String> GET = Set.of("GET", "HEAD");
  private static final Set<String> POST = Set.of("POST");

  private final Map<String, Entry> exact;
  private final List<Map.Entry<String, Entry>> prefixes;

  private RouteTable(Map<String, Entry> exact, List<Map.Entry<String, Entry>> prefixes) {
    this.exact = exact;
    this.prefixes = prefixes;
  }

  /** Every route LM Studio serves over HTTP (lmstudio-api.md §2). */
  public static RouteTable lmStudio() {
    Map<String, Entry> exact = new java.util.HashMap<>();
    List<Map.Entry<String, Entry>> prefixes = new ArrayList<>();
    put(exact, "/v1/models", "openai-models", Dialect.OPENAI, Operation.MODELS, GET);
    put(exact, "/v1/chat/completions", "openai-chat", Dialect.OPENAI, Operation.CHAT, POST);
    put(exact, "/v1/completions", "openai-completions", Dialect.OPENAI, Operation.COMPLETION, POST);
    put(exact, "/v1/embeddings", "openai-embeddings", Dialect.OPENAI, Operation.EMBEDDINGS, POST);
    put(exact, "/v1/responses", "openai-responses", Dialect.OPENAI, Operation.RESPONSES, POST);
    put(exact, "/v1/messages", "anthropic-messages", Dialect.ANTHROPIC, Operation.MESSAGES, POST);
    put(exact, "/api/v1/chat", "native-v1-chat", Dialect.LMSTUDIO_V1, Operation.NATIVE_CHAT, POST);
    put(exact, "/api/v1/models", "native-v1-models", Dialect.LMSTUDIO_V1, Operation.MODELS, GET);
    put(
        exact,
        "/api/v1/models/load",
        "native-v1-models-load",
        Dialect.LMSTUDIO_V1,
        Operation.MODEL_MANAGEMENT,
        POST);
    put(
        exact,
        "/api/v1/models/unload",
        "native-v1-models-unload",
        Dialect.LMSTUDIO_V1,
        Operation.MODEL_MANAGEMENT,
        POST);
    put(
        exact,
        "/api/v1/models/download",
        "native-v1-models-download",
        Dialect.LMSTUDIO_V1,
        Operation.MODEL_MANAGEMENT,
        POST);
    put(exact, "/api/v0/models", "native-v0-models", Dialect.LMSTUDIO_V0, Operation.MODELS, GET);
    put(
        exact,
        "/api/v0/chat/completions",
        "native-v0-chat",
        Dialect.LMSTUDIO_V0,
        Operation.CHAT,
        POST);
    put(
        exact,
        "/api/v0/completions",
        "native-v0-completions",
        Dialect.LMSTUDIO_V0,
        Operation.COMPLETION,
        POST);
    put(
        exact,
        "/api/v0/embeddings",
        "native-v0-embeddings",
        Dialect.LMSTUDIO_V0,
        Operation.EMBEDDINGS,
        POST);
    put(
        exact,
        "/lmstudio-greeting",
        "lmstudio-greeting",
        Dialect.DISCOVERY,
        Operation.GREETING,
        GET);
    // Model ids contain slashes (qwen/qwen3-4b), so the id is "the rest of the path".
    prefix(prefixes, "/v1/models/", "openai-model", Dialect.OPENAI, Operation.MODELS, GET);
    prefix(
        prefixes,
        "/api/v1/models/download/status/",
        "native-v1-models-download-status",
        Dialect.LMSTUDIO_V1,
        Operation.MODEL_MANAGEMENT,
        GET);
    prefix(
        prefixes, "/api/v0/models/", "native-v0-model", Dialect.LMSTUDIO_V0, Operation.MODELS, GET);
    return new RouteTable(Map.copyOf(exact), List.copyOf(prefixes));
  }

  private static void put(
      Map<String, Entry> m, String path, String id, Dialect d, Operation op, Set<String> methods) {
    m.put(path, new Entry(new Route(id, d, op), methods));
  }

  private static void prefix(
      List<Map.Entry<String, Entry>> l,
      String path,
      String id,
      Dialect d,
      Operation op,
      Set<String> methods) {
    l.add(Map.entry(path, new Entry(new Route(id, d, op), methods)));
  }

  /** All routes, for documentation and config validation. */
  public List<Route> routes() {
    List<Route> all = new ArrayList<>();
    exact.values().forEach(e -> all.add(e.route()));
    prefixes.forEach(e -> all.add(e.getValue().route()));
    return all;
  }

  /**
   * Finds the route for a request. {@code OPTIONS} matches any method so that CORS preflights reach
   * LM Studio unchanged.
   *
   * @param method the request method
   * @param path the path without the query string
   */
  public Match match(String method, String path) {
    Entry e = exact.get(path);
    if (e == null) {
      for (Map.Entry<String, Entry> p : prefixes) {
        String rest;
        if (path.startsWith(p.getKey())
            && !(rest = path.substring(p.getKey().length())).isEmpty()
            && !rest.startsWith("/")
            && !rest.contains("//")) {
          e = p.getValue();
          break;
        }
      }
    }
    if (e == null) {
      return new NotFound(dialectOfPath(path));
    }
    if (e.methods().contains(method) || "OPTIONS".equals(method)) {
      return new Found(e.route());
    }
    return new MethodNotAllowed(e.route(), e.methods());
  }

  /** The dialect a client of this path most likely speaks, for the shape of a 404. */
  public static Dialect dialectOfPath(String path) {
    if (path.startsWith("/api/v1/")) {
      return Dialect.LMSTUDIO_V1;
    }
    if (path.startsWith("/api/v0/")) {
      return Dialect.LMSTUDIO_V0;
    }
    if (path.startsWith("/v1/messages")) {
      return Dialect.ANTHROPIC;
    }
    return Dialect.OPENAI;
  }
}
