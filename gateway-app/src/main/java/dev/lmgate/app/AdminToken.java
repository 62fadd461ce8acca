package dev.lmgate.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lmgate.core.admin.AdminServer;
import dev.lmgate.spi.Secret;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A shared bearer token of the admin port, compared in constant time: {@code admin.token}, which
 * the operator routes accept besides API keys with the role admin ({@link OperatorRoute}), or
 * {@code admin.metrics-token}, which {@code /metrics} requires with {@code metrics-auth: token}.
 */
final class AdminToken {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * What a token's supplier gives while its secret store has not confirmed it for too long
   * (compared by identity): no caller is accepted with it until the store answers again.
   */
  static final Secret UNCONFIRMED = Secret.of("unconfirmed");

  private final Supplier<Secret> token;
  private final String missing;
  private final String wrong;

  /** The operators' token. */
  AdminToken(Supplier<Secret> token) {
    this(
        token,
        "This route needs an API key with the role admin, or admin.token in the gateway's config.",
        "An API key with the role admin, or the admin token, is required (Authorization: Bearer).");
  }

  private AdminToken(Supplier<Secret> token, String missing, String wrong) {
    this.token = token;
    this.missing = missing;
    this.wrong = wrong;
  }

  /** The scrapers' token of {@code /metrics}. */
  static AdminToken forMetrics(Supplier<Secret> token) {
    return new AdminToken(
        token,
        "Metrics need admin.metrics-token in the gateway's config.",
        "The metrics token is required (Authorization: Bearer).");
  }

  /** An error answer when the request may not act; empty when it may. */
  Optional<AdminServer.Answer> refusal(Map<String, String> headers) {
    Secret t = token.get();
    if (t == null) {
      return Optional.of(error(403, "forbidden", missing));
    }
    if (t == UNCONFIRMED) {
      return Optional.of(
          error(
              503,
              "token_unconfirmed",
              "The token's secret store has not confirmed it for over an hour, so it is not"
                  + " accepted until the store answers again (an API key with the role admin"
                  + " still works)."));
    }
    byte[] expected = ("Bearer " + t.reveal()).getBytes(StandardCharsets.UTF_8);
    byte[] given = headers.getOrDefault("authorization", "").getBytes(StandardCharsets.UTF_8);
    if (!MessageDigest.isEqual(expected, given)) {
      return Optional.of(error(401, "unauthorized", wrong));
    }
    return Optional.empty();
  }

  static AdminServer.Answer error(int status, String code, String message) {
    ObjectNode e = JSON.createObjectNode();
    e.putObject("error")
        .put("message", message)
        .put("type", "invalid_request_error")
        .put("code", code);
    return new AdminServer.Answer(status, e.toString());
  }
}
