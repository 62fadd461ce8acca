package dev.lmgate.app;

import dev.lmgate.core.admin.AdminServer;
import dev.lmgate.filters.auth.ApiKeys;
import dev.lmgate.filters.auth.KeyRecord;
import dev.lmgate.filters.auth.KeyStore;
import dev.lmgate.spi.Principal;
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
 * then {@code admin-token}: that is all the gateway can verify).
 *
 * <p>A role's requirements hold on every surface where the role grants power: an admin key is
 * refused here ({@code 403}) when the running {@code authorize} filter's policy for the role is not
 * met — {@code require-mfa}, which an API key can never show ({@code mfa_required}) — or when the
 * operators suspended the key or its subject ({@code access_suspended}), so a suspended admin key
 * cannot revive itself. Expired and revoked keys are not operators at all ({@code 401}).
 *
 * <p>A name the caller gives in {@code x-lmgate-operator} is recorded only as {@code
 * claimed_operator}, marked unverified, never as the actor. Every call — refused or not — becomes
 * an {@code admin_action} security event (method, path, operator, the peer's address, status), so
 * the audit trail shows who did what; a refusal for an unmet role requirement is also an {@code
 * authorization_denied} event, and a rejected credential ({@code 401}) an {@code
 * authentication_failed} one ({@code admin_credential_rejected}), so guessing at the admin port
 * trips the same alerts as at the API. Bodies are never recorded (they may hold keys).
 */
final class OperatorRoute implements AdminServer.Route {
  /** A route that may assume the caller is an operator. */
  interface Handler {
    AdminServer.Answer handle(String method, String path, Operator operator, String body);
  }

  /**
   * Who is calling an operator route.
   *
   * @param principal what was authenticated: {@code key:ID} for an admin API key, {@link
   *     #ADMIN_TOKEN} for the shared token; the only name that may stand for the actor
   * @param claimed the name the caller declared in {@code x-lmgate-operator}, unverified, or empty
   */
  record Operator(String principal, String claimed) {}

  /** The role an API key needs to operate the gateway. */
  static final String ADMIN_ROLE = "admin";

  /** The principal of every caller presenting the shared admin token. */
  static final String ADMIN_TOKEN = "admin-token";

  /** The longest self-declared name kept; the rest is cut (it is a label, not data). */
  private static final int MAX_CLAIMED = 64;

  /** The role requirements the running config puts on a principal, and the operators' kills. */
  interface Requirements {
    /**
     * Why {@code p} may not act with {@code role} here, as (reason code, message), if it may not.
     */
    Optional<Map.Entry<String, String>> unmet(Principal p, String role);
  }

  private final AdminToken token;
  private final Supplier<Optional<KeyStore>> keys;
  private final Requirements requirements;
  private final Handler handler;
  private final SecurityEventSink events;
  private final Clock clock;

  OperatorRoute(
      AdminToken token,
      Supplier<Optional<KeyStore>> keys,
      Requirements requirements,
      Handler handler,
      SecurityEventSink events,
      Clock clock) {
    this.token = token;
    this.keys = keys;
    this.requirements = requirements;
    this.handler = handler;
    this.events = events;
    this.clock = clock;
  }

  /** The admin key the request presents and proves, if any (active, with the admin role). */
  private Optional<KeyRecord> adminKey(Map<String, String> headers) {
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
        .filter(k -> k.roles().contains(ADMIN_ROLE));
  }

  /** The self-declared name, printable and short; empty when none. */
  static String claimed(Map<String, String> headers) {
    String name = headers.getOrDefault("x-lmgate-operator", "").strip();
    StringBuilder sb = new StringBuilder();
    name.codePoints()
        .limit(MAX_CLAIMED)
        .forEach(c -> sb.appendCodePoint(Character.isISOControl(c) ? '?' : c));
    return sb.toString();
  }

  @Override
  public AdminServer.Answer handle(
      String method, String path, Map<String, String> headers, String body, String client) {
    String claimed = claimed(headers);
    Optional<KeyRecord> key = adminKey(headers);
    Operator operator;
    AdminServer.Answer answer;
    if (key.isPresent()) {
      Principal p = key.get().principal();
      operator = new Operator(p.id(), claimed);
      Optional<Map.Entry<String, String>> unmet = requirements.unmet(p, ADMIN_ROLE);
      if (unmet.isPresent()) {
        events.emit(
            new SecurityEvent(
                clock.instant(),
                SecurityEvent.Type.AUTHORIZATION_DENIED,
                unmet.get().getKey(),
                "",
                p.id(),
                "admin",
                client,
                method + " " + path + ": " + unmet.get().getValue(),
                claimed));
        answer = AdminToken.error(403, unmet.get().getKey(), unmet.get().getValue());
      } else {
        answer = handler.handle(method, path, operator, body);
      }
    } else {
      Optional<AdminServer.Answer> refused = token.refusal(headers);
      operator = new Operator(refused.isPresent() ? "" : ADMIN_TOKEN, claimed);
      answer = refused.orElseGet(() -> handler.handle(method, path, operator, body));
    }
    if (answer.status() == 401) {
      // a failed login like any other: counted by metrics, alert rules and anomaly detection
      events.emit(
          new SecurityEvent(
              clock.instant(),
              SecurityEvent.Type.AUTHENTICATION_FAILED,
              "admin_credential_rejected",
              "",
              "",
              "admin",
              client,
              method + " " + path,
              claimed));
    }
    events.emit(
        new SecurityEvent(
            clock.instant(),
            SecurityEvent.Type.ADMIN_ACTION,
            answer.status() == 401 || answer.status() == 403 ? "refused" : "called",
            "",
            operator.principal(),
            "",
            client,
            method + " " + path + " -> " + answer.status(),
            operator.claimed()));
    return answer;
  }
}
