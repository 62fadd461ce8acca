package dev.lmgate.spi;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Who is calling, as established by the authentication filter. Never holds the credential itself:
 * only what identifies and authorizes the caller, safe to log and to audit.
 *
 * @param id stable, secret-free id used for audit records and rate-limit counters: {@code key:<key
 *     id>} for an API key, {@code jwt:<issuer>#<subject>} for a token
 * @param kind how the caller authenticated
 * @param subject the human-readable owner (key name or token subject)
 * @param roles the caller's roles, as the policies name them
 * @param scopes the key's scopes or the token's {@code scope} values
 * @param authMethods the token's {@code amr} values (empty for API keys)
 * @param acr the token's {@code acr}, or empty
 * @param expires when the credential stops being valid, or {@code null} if never
 */
public record Principal(
    String id,
    Kind kind,
    String subject,
    Set<String> roles,
    Set<String> scopes,
    List<String> authMethods,
    String acr,
    Instant expires) {

  /** How a caller proved who they are. */
  public enum Kind {
    API_KEY,
    JWT,
    /** A TLS client certificate the listener verified (mTLS). */
    CLIENT_CERTIFICATE
  }

  public Principal {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(kind, "kind");
    subject = subject == null ? "" : subject;
    roles = Set.copyOf(roles);
    scopes = Set.copyOf(scopes);
    authMethods = List.copyOf(authMethods);
    acr = acr == null ? "" : acr;
  }

  /**
   * Whether an operator's list names this caller: by {@link #id()} or as {@code role:NAME} for one
   * of its roles (the form every filter's principal lists use).
   */
  public boolean namedIn(Set<String> names) {
    if (names.isEmpty()) {
      return false;
    }
    if (names.contains(id)) {
      return true;
    }
    for (String role : roles) {
      if (names.contains("role:" + role)) {
        return true;
      }
    }
    return false;
  }
}
