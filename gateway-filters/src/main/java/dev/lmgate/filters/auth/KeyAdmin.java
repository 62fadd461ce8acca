package dev.lmgate.filters.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Creating, rotating and revoking API keys. A key's plaintext exists only in the value returned
 * here, to be shown once; the store keeps its hash.
 */
public final class KeyAdmin {
  private final KeyStore store;
  private final Clock clock;

  public KeyAdmin(KeyStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  /** A new key: its record and, once, the key itself. */
  public record Issued(KeyRecord record, String key) {
    @Override
    public String toString() {
      return "Issued[" + record + ", key=***]";
    }
  }

  /**
   * Creates a key.
   *
   * @param expiresIn lifetime, or {@code null} for a key that does not expire
   */
  public Issued create(
      String name, String owner, List<String> roles, List<String> scopes, Duration expiresIn) {
    if (roles.isEmpty()) {
      throw new IllegalArgumentException("a key needs at least one role");
    }
    Instant now = clock.instant();
    return issue(
        new KeyRecord(
            ApiKeys.newId(),
            name,
            owner,
            roles,
            scopes,
            now,
            expiresIn == null ? null : now.plus(expiresIn),
            null,
            null,
            "-",
            "-"));
  }

  /**
   * Replaces a key with a new one of the same name, owner, roles, scopes and lifetime. Both work
   * during the overlap; then the old one expires.
   */
  public Issued rotate(String id, Duration overlap) {
    KeyRecord old = store.find(id).orElseThrow(() -> new NoSuchElementException(id));
    Instant now = clock.instant();
    if (old.status(now) != KeyRecord.Status.ACTIVE) {
      throw new IllegalStateException("key " + id + " is " + old.status(now).name().toLowerCase());
    }
    Instant expires =
        old.expires() == null ? null : now.plus(Duration.between(old.created(), old.expires()));
    Issued fresh =
        issue(
            new KeyRecord(
                ApiKeys.newId(),
                old.name(),
                old.owner(),
                old.roles(),
                old.scopes(),
                now,
                expires,
                null,
                null,
                "-",
                "-"));
    Instant end = now.plus(overlap);
    store.update(
        l -> {
          List<KeyRecord> n = new ArrayList<>();
          for (KeyRecord r : l) {
            if (r.id().equals(id)) {
              KeyRecord ended =
                  r.expires() == null || r.expires().isAfter(end) ? r.withExpires(end) : r;
              n.add(ended.withReplacedBy(fresh.record().id()));
            } else {
              n.add(r);
            }
          }
          return n;
        });
    return fresh;
  }

  /** Revokes a key now. */
  public void revoke(String id) {
    Instant now = clock.instant();
    if (store.find(id).isEmpty()) {
      throw new NoSuchElementException(id);
    }
    store.update(
        l -> {
          List<KeyRecord> n = new ArrayList<>();
          for (KeyRecord r : l) {
            n.add(r.id().equals(id) && r.revoked() == null ? r.withRevoked(now) : r);
          }
          return n;
        });
  }

  private Issued issue(KeyRecord draft) {
    String key = ApiKeys.newKey(draft.id());
    String secret = ApiKeys.parse(key).orElseThrow().secret();
    return new Issued(store.add(draft, secret), key);
  }
}
