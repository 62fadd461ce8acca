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
 * The shared bearer token the admin port's operator routes accept ({@code admin.token}) besides API
 * keys with the role admin ({@link OperatorRoute}); compared in constant time.
 */
final class AdminToken {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Supplier<Secret> token;

  AdminToken(Supplier<Secret> token) {
    this.token = token;
  }

  /** An error answer when the request may not act; empty when it may. */
  Optional<AdminServer.Answer> refusal(Map<String, String> headers) {
    Secret t = token.get();
    if (t == null) {
      return Optional.of(
          error(
              403,
              "forbidden",
              "This route needs an API key with the role admin, or admin.token in the gateway's"
                  + " config."));
    }
    byte[] expected = ("Bearer " + t.reveal()).getBytes(StandardCharsets.UTF_8);
    byte[] given = headers.getOrDefault("authorization", "").getBytes(StandardCharsets.UTF_8);
    if (!MessageDigest.isEqual(expected, given)) {
      return Optional.of(
          error(
              401,
              "unauthorized",
              "An API key with the role admin, or the admin token, is required (Authorization:"
                  + " Bearer)."));
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
