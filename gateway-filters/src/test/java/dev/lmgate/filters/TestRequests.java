package dev.lmgate.filters;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lmgate.spi.Conversation;
import dev.lmgate.spi.Dialect;
import dev.lmgate.spi.FilterEnvironment;
import dev.lmgate.spi.Message;
import dev.lmgate.spi.Operation;
import dev.lmgate.spi.Principal;
import dev.lmgate.spi.RequestView;
import dev.lmgate.spi.Route;
import dev.lmgate.spi.SecurityEventSink;
import dev.lmgate.spi.TextPart;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/** A chat request view for filter tests (the core's reader is not a dependency of filters). */
public record TestRequests(
    String routeId,
    int bodySize,
    JsonNode body,
    Conversation conversation,
    dev.lmgate.spi.ExchangeAttributes attributes)
    implements RequestView {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** A filter environment on the system clock that drops security events. */
  public static final FilterEnvironment ENV =
      FilterEnvironment.of(java.time.Clock.systemUTC(), SecurityEventSink.NONE);

  public static TestRequests chat(String routeId, String body) throws Exception {
    JsonNode json = MAPPER.readTree(body);
    List<Message> messages = new ArrayList<>();
    for (int i = 0; i < json.path("messages").size(); i++) {
      JsonNode m = json.path("messages").get(i);
      messages.add(
          new Message(
              m.path("role").asText(),
              List.of(new TextPart("/messages/" + i + "/content", m.path("content").asText())),
              List.of(),
              ""));
    }
    OptionalLong max =
        json.path("max_tokens").isIntegralNumber()
            ? OptionalLong.of(json.path("max_tokens").asLong())
            : OptionalLong.empty();
    return new TestRequests(
        routeId,
        body.length(),
        json,
        new Conversation("m", false, messages, List.of(), List.of(), max, "/max_tokens"),
        new dev.lmgate.spi.ExchangeAttributes());
  }

  @Override
  public String requestId() {
    return "test";
  }

  @Override
  public Route route() {
    return new Route(routeId, Dialect.OPENAI, Operation.CHAT);
  }

  @Override
  public String method() {
    return "POST";
  }

  @Override
  public String path() {
    return "/v1/chat/completions";
  }

  @Override
  public Map<String, List<String>> headers() {
    return Map.of();
  }

  @Override
  public Optional<Principal> principal() {
    return Optional.empty();
  }

  @Override
  public String clientAddress() {
    return "127.0.0.1:40000";
  }

  @Override
  public Optional<JsonNode> json() {
    return Optional.of(body);
  }
}
