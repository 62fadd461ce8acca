package dev.lmgate.filters.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Access tokens already verified, so that a client reusing its token is not verified again on every
 * request (parsing plus an RSA or ECDSA verification: most of a JWT's cost). Each hit is checked
 * again against the clock (expiry, not-before, with the skew) and against the issuer's current JWKS
 * (a key the issuer withdrew no longer vouches for its tokens); a token that fails the check takes
 * the full path, which also names the reason. Entries are keyed by the token's SHA-256, never by
 * the token, and the cache is bounded (it is emptied when full).
 */
final class VerifiedTokens {
  private static final int MAX_ENTRIES = 10_000;

  private record Entry(OidcIssuer issuer, OidcIssuer.Result result) {}

  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

  /** The verification result of a token seen before and still good, or {@code null}. */
  OidcIssuer.Result lookup(String token) {
    String key = digest(token);
    Entry e = entries.get(key);
    if (e == null) {
      return null;
    }
    if (!e.issuer().stillValid(e.result())) {
      entries.remove(key);
      return null;
    }
    return e.result();
  }

  /** Remembers a successful verification that can be re-checked (it names its key). */
  void remember(String token, OidcIssuer issuer, OidcIssuer.Result result) {
    if (result.principal() == null || result.kid() == null) {
      return;
    }
    if (entries.size() >= MAX_ENTRIES) {
      entries.clear();
    }
    entries.put(digest(token), new Entry(issuer, result));
  }

  private static String digest(String token) {
    try {
      byte[] d =
          MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII));
      return Base64.getEncoder().encodeToString(d);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 unavailable", e);
    }
  }
}
