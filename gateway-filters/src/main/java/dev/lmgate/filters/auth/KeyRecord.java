package dev.lmgate.filters.auth;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A stored API key: everything but the key itself, which is kept only as a salted, peppered hash.
 *
 * @param id the key's public id (part of the key)
 * @param name what the key is for
 * @param owner who is responsible for it
 * @param roles the roles it grants
 * @param scopes free-form scopes, for policies and audit
 * @param created when it was created
 * @param expires when it stops working, or {@code null}
 * @param revoked when it was revoked, or {@code null}
 * @param replacedBy the id of the key that rotated it out, or {@code null}
 * @param salt per-key salt (base64)
 * @param hash HMAC-SHA256 over salt and secret, keyed with the store's pepper (base64)
 */
public record KeyRecord(
    String id,
    String name,
    String owner,
    List<String> roles,
    List<String> scopes,
    Instant created,
    Instant expires,
    Instant revoked,
    String replacedBy,
    String salt,
    String hash) {

  /** Where a key stands at a moment. */
  public enum Status {
    ACTIVE,
    EXPIRED,
    REVOKED
  }

  public KeyRecord {
    Objects.requireNonNull(id, "id");
    name = name == null ? "" : name;
    owner = owner == null ? "" : owner;
    roles = List.copyOf(roles);
    scopes = List.copyOf(scopes);
    Objects.requireNonNull(created, "created");
    Objects.requireNonNull(salt, "salt");
    Objects.requireNonNull(hash, "hash");
  }

  public Status status(Instant now) {
    if (revoked != null && !revoked.isAfter(now)) {
      return Status.REVOKED;
    }
    if (expires != null && !expires.isAfter(now)) {
      return Status.EXPIRED;
    }
    return Status.ACTIVE;
  }

  public KeyRecord withExpires(Instant when) {
    return new KeyRecord(
        id, name, owner, roles, scopes, created, when, revoked, replacedBy, salt, hash);
  }

  public KeyRecord withRevoked(Instant when) {
    return new KeyRecord(
        id, name, owner, roles, scopes, created, expires, when, replacedBy, salt, hash);
  }

  public KeyRecord withReplacedBy(String newId) {
    return new KeyRecord(
        id, name, owner, roles, scopes, created, expires, revoked, newId, salt, hash);
  }

  /** The caller this key authenticates: {@code key:ID}, its name, roles and scopes, no MFA. */
  public dev.lmgate.spi.Principal principal() {
    return new dev.lmgate.spi.Principal(
        "key:" + id,
        dev.lmgate.spi.Principal.Kind.API_KEY,
        name,
        java.util.Set.copyOf(roles),
        java.util.Set.copyOf(scopes),
        List.of(),
        "",
        expires);
  }

  @Override
  public String toString() {
    return "KeyRecord[id=" + id + ", name=" + name + ", roles=" + roles + "]";
  }
}
