package dev.lmgate.core.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lmgate.core.chain.RequestContext;
import dev.lmgate.core.json.Json;
import dev.lmgate.core.route.RouteTable;
import dev.lmgate.spi.Dialect;
import dev.lmgate.spi.Operation;
import dev.lmgate.spi.Rejection;
import dev.lmgate.spi.Route;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns a client request into a routed exchange for the filters, or the rejection it deserves: a
 * non-origin-form target, a WebSocket upgrade the gateway does not tunnel, an unknown route, a
 * wrong method, a prompt route whose body is not a JSON object. Reads the request; never takes
 * ownership of its buffer.
 */
final class RequestAdmission {
  private static final Route SDK_CHANNEL =
      new Route("lmstudio-sdk-websocket", Dialect.LMSTUDIO_V1, Operation.SDK_CHANNEL);

  private RequestAdmission() {}

  /** The outcome of admission. */
  sealed interface Result permits Admitted, Refused {}

  /**
   * @param tunnel whether the request is a WebSocket upgrade to tunnel
   */
  record Admitted(RequestContext context, boolean tunnel) implements Result {}

  /**
   * @param route the route, when one matched (a wrong method), for metrics; otherwise {@code null}
   */
  record Refused(Dialect dialect, Route route, Rejection rejection) implements Result {}

  /**
   * @param path the request path without the query string
   * @param parseBodies whether filters will read the body (with none configured lmgate is a plain
   *     proxy and parses nothing)
   * @param maxScanChars the most characters of text a request may carry for the filters to scan
   *     ({@code server.max-scan-chars}); more is refused with 413 before any filter runs
   */
  static Result admit(
      FullHttpRequest request,
      String path,
      String requestId,
      RouteTable routes,
      boolean allowWebSocket,
      boolean parseBodies,
      String clientAddress,
      long maxScanChars) {
    String method = request.method().name();
    if (!path.startsWith("/")) {
      return new Refused(
          Dialect.OPENAI,
          null,
          new Rejection(
              400,
              "invalid_request_error",
              "bad_request",
              "",
              "Only origin-form request targets (/path) are accepted."));
    }
    HttpHeaders headers = request.headers();
    String upgrade = headers.get(HttpHeaderNames.UPGRADE);
    if (upgrade != null && upgrade.toLowerCase(Locale.ROOT).contains("websocket")) {
      WebSocketTunnel.Refusal refusal = WebSocketTunnel.refusal(allowWebSocket, method, path);
      if (refusal != null) {
        return new Refused(refusal.dialect(), null, refusal.rejection());
      }
      return new Admitted(
          new RequestContext(
              requestId,
              SDK_CHANNEL,
              method,
              path,
              () -> headerMap(headers),
              0,
              null,
              clientAddress),
          true);
    }
    RouteTable.Match match = routes.match(method, path);
    if (match instanceof RouteTable.NotFound nf) {
      return new Refused(
          nf.dialect(),
          null,
          new Rejection(
              404,
              "invalid_request_error",
              "unknown_route",
              "",
              "Unknown route: "
                  + method
                  + " "
                  + printable(path)
                  + ". This gateway serves LM Studio's /v1, /api/v1 and /api/v0 APIs."));
    }
    if (match instanceof RouteTable.MethodNotAllowed mna) {
      return new Refused(
          mna.route().dialect(),
          mna.route(),
          new Rejection(
              405,
              "invalid_request_error",
              "method_not_allowed",
              "",
              "Method "
                  + method
                  + " is not allowed on "
                  + path
                  + " (allowed: "
                  + String.join(", ", mna.allowed())
                  + ")."));
    }
    Route route = ((RouteTable.Found) match).route();
    JsonNode json = null;
    ByteBuf content = request.content();
    if (parseBodies && route.operation().carriesPrompt() && request.method() == HttpMethod.POST) {
      json = Json.parse(ByteBufUtil.getBytes(content)).filter(JsonNode::isObject).orElse(null);
      if (json == null) {
        return new Refused(
            route.dialect(),
            route,
            new Rejection(
                400,
                "invalid_request_error",
                "invalid_json",
                "",
                "The request body must be a JSON object."));
      }
    } else if (parseBodies && content.isReadable()) {
      json = Json.parse(ByteBufUtil.getBytes(content)).orElse(null);
    }
    RequestContext context;
    try {
      context =
          new RequestContext(
              requestId,
              route,
              method,
              path,
              () -> headerMap(headers),
              content.readableBytes(),
              json,
              clientAddress);
    } catch (RuntimeException e) { // a body whose fields have shapes the dialect never uses
      return new Refused(
          route.dialect(),
          route,
          new Rejection(
              400,
              "invalid_request_error",
              "invalid_request_shape",
              "",
              "The request body does not have the shape this API expects."));
    }
    long chars = textChars(context.conversation()) + toolDefinitionChars(json);
    if (chars > maxScanChars) {
      return new Refused(
          route.dialect(),
          route,
          new Rejection(
              413,
              "invalid_request_error",
              "scan_budget_exceeded",
              "",
              "The request carries "
                  + chars
                  + " characters of text; the gateway's security checks read at most "
                  + maxScanChars
                  + " per request (server.max-scan-chars). Send less text in one request."));
    }
    return new Admitted(context, false);
  }

  /**
   * The characters the filters' text scans read: every message part, tool-call argument, prompt and
   * input.
   */
  static long textChars(dev.lmgate.spi.Conversation c) {
    long n = 0;
    for (dev.lmgate.spi.Message m : c.messages()) {
      for (dev.lmgate.spi.TextPart p : m.parts()) {
        n += p.text().length();
      }
      for (dev.lmgate.spi.ToolCall call : m.toolCalls()) {
        n += call.arguments() == null ? 0 : call.arguments().text().length();
      }
    }
    for (dev.lmgate.spi.TextPart p : c.prompts()) {
      n += p.text().length();
    }
    for (dev.lmgate.spi.TextPart p : c.inputs()) {
      n += p.text().length();
    }
    return n;
  }

  /**
   * The characters of text in the body's tool definitions and structured-output schemas: names and
   * strings.
   */
  static long toolDefinitionChars(JsonNode json) {
    if (json == null) {
      return 0;
    }
    long n = 0;
    java.util.ArrayDeque<JsonNode> todo = new java.util.ArrayDeque<>();
    todo.push(json.path("tools"));
    todo.push(json.path("response_format")); // structured-output schemas are read the same way
    todo.push(json.path("text").path("format"));
    while (!todo.isEmpty()) { // iterative: the parser bounds nesting, and this never recurses
      JsonNode node = todo.pop();
      if (node.isTextual()) {
        n += node.asText().length();
      } else if (node.isObject()) {
        for (Map.Entry<String, JsonNode> e : node.properties()) {
          n += e.getKey().length();
          todo.push(e.getValue());
        }
      } else if (node.isArray()) {
        node.forEach(todo::push);
      }
    }
    return n;
  }

  private static Map<String, List<String>> headerMap(HttpHeaders h) {
    Map<String, List<String>> m = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : h) {
      m.computeIfAbsent(e.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>(1))
          .add(e.getValue());
    }
    m.replaceAll((k, v) -> List.copyOf(v));
    return Map.copyOf(m);
  }

  /** A path safe to echo in a message or log: printable ASCII, bounded. */
  static String printable(String s) {
    StringBuilder sb = new StringBuilder(Math.min(s.length(), 200));
    for (int i = 0; i < s.length() && sb.length() < 200; i++) {
      char c = s.charAt(i);
      sb.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return sb.toString();
  }
}
