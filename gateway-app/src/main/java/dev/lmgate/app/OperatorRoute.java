package dev.lmgate.app;

import dev.lmgate.core.admin.AdminServer;
import dev.lmgate.filters.auth.ApiKeys;
import dev.lmgate.filters.auth.KeyRecord;
import dev.lmgate.filters.auth.KeyStore;
import dev.lmgate.spi.SecurityEvent;
import dev.lmgate.spi.SecurityEventSink;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * An operator route of the admin port. Who may call: an operator presenting an lmgate API key with
 * the role {@code admin} (from the running {@code authenticate} filter's store; the operator is
 * then that key, {@code key:ID}), or one presenting the shared {@code admin.token} (the operator is
 * whoever {@code x-lmgate-operator} names, {@code admin:NAME}). Every call — refused or not —
 * becomes an {@code admin_action} security event (method, path, operator, status), so the audit
 * trail shows who did what. Bodies are never recorded (they may hold keys).
 */
final class OperatorRoute implements AdminServer.Route {
  /** A route that may assume the caller is an operator. */
  interface Handler {
    AdminServer.Answer handle(String method, String path, String operator, String body);
  }

  /** The role an API key needs to operate the gateway. */
  static final String ADMIN_ROLE = "admin";

  private final AdminToken token;
  private final Supplier<Optional<KeyStore>> keys;
  private final Handler handler;
  private final SecurityEventSink events;
  private final Clock clock;

  OperatorRoute(
      AdminToken token,
      Supplier<Optional<KeyStore>> keys,
      Handler handler,
      SecurityEventSink events,
      Clock clock) {
    this.token = token;
    this.keys = keys;
    this.handler = handler;
    this.events = events;
    this.clock = clock;
  }

  /** The operator an API key with the admin role names, if the request presents one. */
  private Optional<String> adminKey(Map<String, String> headers) {
    String h = headers.getOrDefault("authorization", "");
    if (!h.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Optional.empty();
    }
    String credential = h.substring(7).strip();
    if (!ApiKeys.looksLikeKey(credential)) {
      return Optional.empty();
    }
    Optional<ApiKeys.Parsed> parsed = ApiKeys.parse(credential);
    Optional<KeyStore> store = keys.get();
    if (parsed.isEmpty() || store.isEmpty()) {
      return Optional.empty();
    }
    return store
        .get()
        .find(parsed.get().id())
        .filter(k -> store.get().verify(k, parsed.get().secret()))
        .filter(k -> k.status(clock.instant()) == KeyRecord.Status.ACTIVE)
        .filter(k -> k.roles().contains(ADMIN_ROLE))
        .map(k -> "key:" + k.id());
  }

  @Override
  public AdminServer.Answer handle(
      String method, String path, Map<String, String> headers, String body) {
    Optional<String> byKey = adminKey(headers);
    String operator = byKey.orElse("admin:" + headers.getOrDefault("x-lmgate-operator", "unnamed"));
    AdminServer.Answer answer =
        byKey.isPresent()
            ? handler.handle(method, path, operator, body)
            : token.refusal(headers).orElseGet(() -> handler.handle(method, path, operator, body));
    events.emit(
        new SecurityEvent(
            clock.instant(),
            SecurityEvent.Type.ADMIN_ACTION,
            answer.status() == 401 || answer.status() == 403 ? "refused" : "called",
            "",
            operator,
            "",
            "",
            method + " " + path + " -> " + answer.status()));
    return answer;
  }
}
