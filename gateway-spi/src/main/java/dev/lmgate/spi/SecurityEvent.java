package dev.lmgate.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * An authentication, authorization or limit decision, for the audit trail, metrics and the security
 * log. Carries reason codes, never credentials or payloads.
 *
 * @param time when it happened
 * @param type what kind of decision
 * @param reason a stable snake_case code from a bounded set (safe as a metrics label), e.g. {@code
 *     unknown_key}, {@code token_expired}, {@code model_forbidden}
 * @param requestId the exchange, or empty for events outside one (key administration)
 * @param principalId the caller's {@link Principal#id()}, or empty when not authenticated
 * @param routeId the route, or empty
 * @param clientAddress the peer address, or empty
 * @param detail a secret-free sentence for humans (which model, which limit)
 * @param claimedOperator a name the caller declared for itself and that nothing verified (the
 *     {@code x-lmgate-operator} header of a call with the shared admin token), or empty; never an
 *     identity: who acted is {@code principalId}, what was authenticated
 */
public record SecurityEvent(
    Instant time,
    Type type,
    String reason,
    String requestId,
    String principalId,
    String routeId,
    String clientAddress,
    String detail,
    String claimedOperator) {

  /** The kinds of security event. */
  public enum Type {
    AUTHENTICATION_FAILED,
    AUTHORIZATION_DENIED,
    LIMIT_EXCEEDED,
    /** Key administration: created, rotated, revoked. */
    CREDENTIAL_CHANGED,
    /** A secret could not be re-read from its store; the last good value stays in use. */
    SECRET_REFRESH_FAILED,
    /** A sensitive tool call: approval requested, approved, denied or expired. */
    TOOL_APPROVAL,
    /** An incident control changed: lockdown on or off, a key, subject, model or route killed. */
    INCIDENT_CONTROL,
    /** A model's files stopped matching the integrity manifest (mismatch), or match again. */
    MODEL_INTEGRITY,
    /** A caller behaved unusually (bursts of blocks or failed logins, token spikes, new models). */
    ANOMALY,
    /** An operator called the admin port (or was refused): method, path, operator, status. */
    ADMIN_ACTION
  }

  public SecurityEvent {
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(reason, "reason");
    requestId = requestId == null ? "" : requestId;
    principalId = principalId == null ? "" : principalId;
    routeId = routeId == null ? "" : routeId;
    clientAddress = clientAddress == null ? "" : clientAddress;
    detail = detail == null ? "" : detail;
    claimedOperator = claimedOperator == null ? "" : claimedOperator;
  }

  /** An event without a self-declared name (all but admin-token calls). */
  public SecurityEvent(
      Instant time,
      Type type,
      String reason,
      String requestId,
      String principalId,
      String routeId,
      String clientAddress,
      String detail) {
    this(time, type, reason, requestId, principalId, routeId, clientAddress, detail, "");
  }

  /** An event about an exchange. */
  public static SecurityEvent of(
      Instant time, Type type, String reason, RequestView request, String detail) {
    return new SecurityEvent(
        time,
        type,
        reason,
        request.requestId(),
        request.principal().map(Principal::id).orElse(""),
        request.route().id(),
        request.clientAddress(),
        detail);
  }
}
