package dev.lmgate.core.chain;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lmgate.core.dialect.RequestReader;
import dev.lmgate.core.json.Json;
import dev.lmgate.spi.Conversation;
import dev.lmgate.spi.Edit;
import dev.lmgate.spi.RequestView;
import dev.lmgate.spi.Route;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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

  public RequestContext(
      String requestId,
      Route route,
      String method,
      String path,
      Supplier<Map<String, List<String>>> headers,
      int bodySize,
      JsonNode json) {
    this.requestId = requestId;
    this.route = route;
    this.method = method;
    this.path = path;
    this.headerSource = headers;
    this.bodySize = bodySize;
    this.json = json;
    this.conversation = json == null ? Conversation.empty() : RequestReader.read(route, json);
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

  /** Whether a filter changed the body; if not, the original bytes are forwarded. */
  public boolean modified() {
    return modified;
  }

  /** Applies a filter's edits to the body. */
  public void apply(List<Edit> edits) {
    if (json == null) {
      throw new IllegalStateException("edits on a request without a JSON body");
    }
    Json.apply(json, edits);
    conversation = RequestReader.read(route, json);
    modified = true;
  }
}
