package dev.lmgate.app;

import dev.lmgate.core.admin.AdminServer;
import dev.lmgate.spi.SecurityEvent;
import dev.lmgate.spi.SecurityEventSink;
import java.time.Clock;
import java.util.Map;

/**
 * An operator route of the admin port: the bearer {@code admin.token} is checked first, and every
 * call — refused or not — becomes an {@code admin_action} security event (method, path, the
 * operator named by {@code x-lmgate-operator}, the status), so the audit trail shows who did what.
 * Bodies are never recorded (they may hold keys).
 */
final class OperatorRoute implements AdminServer.Route {
  /** A route that may assume the caller is an operator. */
  interface Handler {
    AdminServer.Answer handle(String method, String path, String operator, String body);
  }

  private final AdminToken token;
  private final Handler handler;
  private final SecurityEventSink events;
  private final Clock clock;

  OperatorRoute(AdminToken token, Handler handler, SecurityEventSink events, Clock clock) {
    this.token = token;
    this.handler = handler;
    this.events = events;
    this.clock = clock;
  }

  @Override
  public AdminServer.Answer handle(
      String method, String path, Map<String, String> headers, String body) {
    String operator = "admin:" + headers.getOrDefault("x-lmgate-operator", "unnamed");
    AdminServer.Answer answer =
        token.refusal(headers).orElseGet(() -> handler.handle(method, path, operator, body));
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
