package dev.lmgate.core.chain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lmgate.core.dialect.BodyEdits;
import dev.lmgate.core.dialect.DialectCodec;
import dev.lmgate.core.dialect.RequestReader;
import dev.lmgate.spi.Conversation;
import dev.lmgate.spi.Edit;
import dev.lmgate.spi.Principal;
import dev.lmgate.spi.RequestView;
import dev.lmgate.spi.Route;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The core's side of a {@link RequestView}: it owns the parsed body and applies filter edits to it,
 * re-reading the conversation so that later filters see earlier filters' changes.
 */
public final class RequestContext implements RequestView {
  private final String requestId;
  private final Route route;
  private final String method;
  private final String path;
  private final Supplier<Map<String, List<String>>> headerSource;
  private Map<String, List<String>> headers;
  private final int bodySize;
  private final JsonNode json;
  private Conversation conversation;
  private boolean modified;
  private final String clientAddress;
  private final dev.lmgate.spi.ExchangeAttributes attributes =
      new dev.lmgate.spi.ExchangeAttributes();
  private Principal principal;
  private long scanDeadlineNanos = Long.MAX_VALUE;

  /** How many request filters this exchange reached (they get {@code onExchangeEnd}). */
  int requestFiltersReached;

  public RequestContext(
      String requestId,
      Route route,
      String method,
      String path,
      Supplier<Map<String, List<String>>> headers,
      int bodySize,
      JsonNode json,
      String clientAddress) {
    this.requestId = requestId;
    this.clientAddress = clientAddress;
    this.route = route;
    this.method = method;
    this.path = path;
    this.headerSource = headers;
    this.bodySize = bodySize;
    this.json = json;
    this.conversation = json == null ? Conversation.empty() : RequestReader.read(route, json);
  }

  /** Sets the deadline of this request's scans (arrival plus {@code server.max-scan-time}). */
  public void scanDeadline(long nanos) {
    this.scanDeadlineNanos = nanos;
  }

  @Override
  public long scanDeadlineNanos() {
    return scanDeadlineNanos;
  }

  @Override
  public String requestId() {
    return requestId;
  }

  @Override
  public Route route() {
    return route;
  }

  @Override
  public String method() {
    return method;
  }

  @Override
  public String path() {
    return path;
  }

  @Override
  public Map<String, List<String>> headers() {
    if (headers == null) {
      headers = headerSource.get(); // built on first use: most filters never look
    }
    return headers;
  }

  @Override
  public int bodySize() {
    return bodySize;
  }

  @Override
  public Optional<JsonNode> json() {
    return Optional.ofNullable(json);
  }

  @Override
  public Conversation conversation() {
    return conversation;
  }

  @Override
  public Optional<Principal> principal() {
    return Optional.ofNullable(principal);
  }

  @Override
  public String clientAddress() {
    return clientAddress;
  }

  private String clientCertificate; // null: none

  /** Set once by the proxy, before the filters run. */
  public void clientCertificate(String subject) {
    this.clientCertificate = subject;
  }

  @Override
  public Optional<String> clientCertificate() {
    return Optional.ofNullable(clientCertificate);
  }

  /**
   * Attaches the caller an authentication filter established. Only one principal per exchange: a
   * second filter cannot replace the first's.
   */
  void authenticate(Principal p) {
    if (principal != null && !principal.equals(p)) {
      throw new IllegalStateException("the exchange already has a principal");
    }
    principal = p;
  }

  /** Whether a filter changed the body; if not, the original bytes are forwarded. */
  public boolean modified() {
    return modified;
  }

  private static final Set<String> OPENAI_CHUNK_ROUTES =
      Set.of("openai-chat", "openai-completions", "native-v0-chat", "native-v0-completions");

  /**
   * Asks LM Studio to report token usage in a streamed OpenAI-style answer ({@code
   * stream_options.include_usage}), if the client did not. Responses, Anthropic and native v1
   * streams report usage anyway.
   *
   * @return whether the gateway added the option (so that the usage chunk, which the client did not
   *     ask for, is not passed on)
   */
  public boolean askForStreamUsage() {
    if (json == null || !conversation.stream() || !OPENAI_CHUNK_ROUTES.contains(route.id())) {
      return false;
    }
    JsonNode options = json.get("stream_options");
    if (options != null && !options.isObject()) {
      return false; // LM Studio will reject the body; leave the error to it
    }
    if (options != null && options.path("include_usage").asBoolean(false)) {
      return false;
    }
    ObjectNode o =
        options == null ? ((ObjectNode) json).putObject("stream_options") : (ObjectNode) options;
    o.put("include_usage", true);
    modified = true;
    return true;
  }

  /** Applies a filter's edits to the body. */
  public void apply(List<Edit> edits) {
    if (json == null) {
      throw new IllegalStateException("edits on a request without a JSON body");
    }
    BodyEdits.apply(DialectCodec.of(route.operation()), json, edits);
    conversation = RequestReader.read(route, json);
    modified = true;
  }

  @Override
  public dev.lmgate.spi.ExchangeAttributes attributes() {
    return attributes;
  }
}
