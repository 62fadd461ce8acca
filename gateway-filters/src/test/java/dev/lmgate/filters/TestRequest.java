package dev.lmgate.filters;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lmgate.spi.Conversation;
import dev.lmgate.spi.Dialect;
import dev.lmgate.spi.Operation;
import dev.lmgate.spi.Principal;
import dev.lmgate.spi.RequestView;
import dev.lmgate.spi.Route;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;

/** A configurable request view for identity and policy tests. */
public final class TestRequest implements RequestView {
  private static final AtomicInteger IDS = new AtomicInteger();
  private final String id = "req-" + IDS.incrementAndGet();
  private Route route = new Route("openai-chat", Dialect.OPENAI, Operation.CHAT);
  private String path = "/v1/chat/completions";
  private final Map<String, List<String>> headers = new HashMap<>();
  private JsonNode json;
  private Conversation conversation = Conversation.empty();
  private Principal principal;
  private final dev.lmgate.spi.ExchangeAttributes attributes =
      new dev.lmgate.spi.ExchangeAttributes();

  public static TestRequest chat(String model) {
    return new TestRequest().body("{\"model\":\"" + model + "\",\"messages\":[]}", model, false);
  }

  public TestRequest route(String routeId, Dialect d, Operation op, String path) {
    this.route = new Route(routeId, d, op);
    this.path = path;
    return this;
  }

  public TestRequest header(String name, String value) {
    headers.computeIfAbsent(name.toLowerCase(), k -> new java.util.ArrayList<>()).add(value);
    return this;
  }

  public TestRequest body(String body, String model, boolean stream) {
    try {
      this.json = new ObjectMapper().readTree(body);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
    OptionalLong max =
        json.path("max_tokens").isIntegralNumber()
            ? OptionalLong.of(json.path("max_tokens").asLong())
            : OptionalLong.empty();
    this.conversation =
        new Conversation(model, stream, List.of(), List.of(), List.of(), max, "/max_tokens");
    return this;
  }

  /** The body as given, with its conversation (e.g. from {@link TestConversations}). */
  public TestRequest json(String body, Conversation c) {
    try {
      this.json = new ObjectMapper().readTree(body);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
    this.conversation = c;
    return this;
  }

  public TestRequest principal(Principal p) {
    this.principal = p;
    return this;
  }

  @Override
  public String requestId() {
    return id;
  }

  @Override
  public Route route() {
    return route;
  }

  @Override
  public String method() {
    return "POST";
  }

  @Override
  public String path() {
    return path;
  }

  @Override
  public Map<String, List<String>> headers() {
    return headers;
  }

  @Override
  public int bodySize() {
    return 0;
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
    return "127.0.0.1:40000";
  }

  @Override
  public dev.lmgate.spi.ExchangeAttributes attributes() {
    return attributes;
  }
}
