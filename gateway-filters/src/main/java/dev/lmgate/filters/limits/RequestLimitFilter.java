package dev.lmgate.filters.limits;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.LongNode;
import dev.lmgate.spi.BaseFilter;
import dev.lmgate.spi.ConfigException;
import dev.lmgate.spi.ConfigReader;
import dev.lmgate.spi.Conversation;
import dev.lmgate.spi.Edit;
import dev.lmgate.spi.FilterDescription;
import dev.lmgate.spi.FilterEnvironment;
import dev.lmgate.spi.FilterFactory;
import dev.lmgate.spi.FilterSettings;
import dev.lmgate.spi.GatewayFilter;
import dev.lmgate.spi.Rejection;
import dev.lmgate.spi.RequestView;
import dev.lmgate.spi.Verdict;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Caps what one request may ask for: output tokens ({@code max_tokens}, {@code max_output_tokens},
 * ...), number of messages, body size; with overrides per route id.
 *
 * <p>A request without an output limit (absent or {@code -1}, LM Studio's "unlimited") gets the cap
 * written in. A request asking for more than the cap is refused with {@code action: block}, or
 * clamped to the cap with {@code action: redact}.
 */
public final class RequestLimitFilter extends BaseFilter {
  public static final String ID = "request-limits";

  /**
   * Limits; 0 means "no limit".
   *
   * @param maxOutputTokens ceiling for the output token limit
   * @param maxMessages ceiling for the number of messages (system prompt included)
   * @param maxBodyBytes ceiling for the body size
   */
  public record Limits(long maxOutputTokens, long maxMessages, long maxBodyBytes) {}

  private final Limits defaults;
  private final Map<String, Limits> perRoute;

  public RequestLimitFilter(
      FilterSettings settings, Limits defaults, Map<String, Limits> perRoute) {
    super(ID, settings);
    this.defaults = defaults;
    this.perRoute = Map.copyOf(perRoute);
  }

  @Override
  public CompletionStage<Verdict> onRequest(RequestView request) {
    return CompletableFuture.completedFuture(decide(request));
  }

  private Verdict decide(RequestView request) {
    Limits l = perRoute.getOrDefault(request.route().id(), defaults);
    if (l.maxBodyBytes() > 0 && request.bodySize() > l.maxBodyBytes()) {
      return Verdict.block(
          "body " + request.bodySize() + " > " + l.maxBodyBytes(),
          new Rejection(
              413,
              "invalid_request_error",
              "request_too_large",
              "",
              "The request body is "
                  + request.bodySize()
                  + " bytes; this route accepts at most "
                  + l.maxBodyBytes()
                  + "."));
    }
    Conversation c = request.conversation();
    if (l.maxMessages() > 0 && c.messages().size() > l.maxMessages()) {
      return Verdict.block(
          "messages " + c.messages().size() + " > " + l.maxMessages(),
          new Rejection(
              400,
              "invalid_request_error",
              "too_many_messages",
              "messages",
              "The request has "
                  + c.messages().size()
                  + " messages; at most "
                  + l.maxMessages()
                  + " are allowed."));
    }
    if (l.maxOutputTokens() <= 0
        || c.maxOutputTokensPointer().isEmpty()
        || request.json().isEmpty()) {
      return Verdict.pass();
    }
    String field = c.maxOutputTokensPointer().substring(1);
    OptionalLong asked = c.maxOutputTokens();
    Edit cap = Edit.replace(c.maxOutputTokensPointer(), LongNode.valueOf(l.maxOutputTokens()));
    if (asked.isEmpty() || asked.getAsLong() < 0) {
      JsonNode present = request.json().get().at(c.maxOutputTokensPointer());
      if (!present.isMissingNode() && !present.isNull() && !present.isIntegralNumber()) {
        return Verdict.block(
            field + " not an integer",
            new Rejection(
                400,
                "invalid_request_error",
                "invalid_type",
                field,
                "'" + field + "' must be an integer."));
      }
      return Verdict.modify(field + " set to " + l.maxOutputTokens(), List.of(cap));
    }
    if (asked.getAsLong() <= l.maxOutputTokens()) {
      return Verdict.pass();
    }
    if (settings().action() == FilterSettings.Action.REDACT) {
      return Verdict.modify(
          field + " " + asked.getAsLong() + " clamped to " + l.maxOutputTokens(), List.of(cap));
    }
    return Verdict.block(
        field + " " + asked.getAsLong() + " > " + l.maxOutputTokens(),
        new Rejection(
            400,
            "invalid_request_error",
            "max_tokens_exceeded",
            field,
            "'"
                + field
                + "' is "
                + asked.getAsLong()
                + "; this gateway allows at most "
                + l.maxOutputTokens()
                + "."));
  }

  /** Builds the filter from YAML. */
  public static final class Factory implements FilterFactory {
    private static final Set<String> KEYS =
        Set.of("max-output-tokens", "max-messages", "max-body-bytes", "routes");

    @Override
    public FilterDescription describe() {
      return FilterDescription.of(
              ID,
              FilterDescription.Stage.WHO_AND_WHETHER,
              "Caps what one request may ask for: output tokens, messages and size.",
              "filters.md#request-limits")
          .handbook(2)
          .keys(KEYS.toArray(String[]::new));
    }

    @Override
    public GatewayFilter create(ConfigReader r, FilterSettings settings, FilterEnvironment env)
        throws ConfigException {
      Limits defaults = limits(r, new Limits(0, 0, 0));
      Map<String, Limits> perRoute = new HashMap<>();
      ConfigReader routes = r.child("routes");
      for (var it = routes.node().fieldNames(); it.hasNext(); ) {
        String route = it.next();
        perRoute.put(
            route,
            limits(
                routes
                    .child(route)
                    .only(Set.of("max-output-tokens", "max-messages", "max-body-bytes")),
                defaults));
      }
      return new RequestLimitFilter(settings, defaults, perRoute);
    }

    private static Limits limits(ConfigReader r, Limits inherit) throws ConfigException {
      return new Limits(
          r.integer("max-output-tokens", inherit.maxOutputTokens(), 0, Integer.MAX_VALUE),
          r.integer("max-messages", inherit.maxMessages(), 0, 1_000_000),
          r.integer("max-body-bytes", inherit.maxBodyBytes(), 0, Integer.MAX_VALUE));
    }
  }
}
