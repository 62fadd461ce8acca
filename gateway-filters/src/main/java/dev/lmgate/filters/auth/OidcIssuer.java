package dev.lmgate.filters.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.lmgate.spi.Principal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One trusted OIDC issuer: validates its access tokens with Nimbus JOSE+JWT against its JWKS.
 *
 * <p>The JWKS comes from {@code jwks-uri} or from the issuer's discovery document, is fetched
 * asynchronously (never on the event loop), cached for {@code jwks-cache}, and fetched again early
 * when a token names an unknown {@code kid} — at most once per {@code jwks-min-refresh}, so that a
 * flood of tokens with made-up key ids cannot turn the gateway against the issuer. Only asymmetric
 * algorithms from the allowlist are accepted: never {@code none}, never HMAC (a JWKS is public, so
 * an HMAC "secret" from it would be known to everyone). Keys come only from the configured JWKS;
 * {@code jku}, {@code jwk} and {@code x5u} headers are ignored.
 *
 * <p>While the JWKS cannot be fetched the cached keys keep verifying, for at most {@code
 * jwks-max-stale} since the last successful fetch: a key the issuer withdrew (rotated out after a
 * compromise) must not stay trusted forever because its JWKS is unreachable — the unreachability
 * may be the attacker's doing. Past that bound every token of this issuer fails with {@code
 * jwks_unavailable} until a fetch succeeds (the filter answers 503, not 401).
 */
final class OidcIssuer {
  private static final Logger log = LoggerFactory.getLogger(OidcIssuer.class);
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final int MAX_DOCUMENT_BYTES = 1 << 20;

  /** An issuer's settings, validated by the filter's factory. */
  record Settings(
      String issuer,
      Set<String> audiences,
      URI jwksUri,
      Set<JWSAlgorithm> algorithms,
      Duration clockSkew,
      String rolesClaim,
      Map<String, List<String>> roleMap,
      String subjectClaim,
      Duration jwksCache,
      Duration jwksMinRefresh,
      Duration jwksMaxStale) {}

  /**
   * The outcome of validating a token: a principal, or a failure reason code.
   *
   * @param validFrom the later of {@code nbf} and {@code iat}, or {@code null}
   * @param kid the id of the key that verified the signature, or {@code null}
   */
  record Result(Principal principal, String failure, Instant validFrom, String kid) {
    static Result fail(String reason) {
      return new Result(null, reason, null, null);
    }

    Result verifiedBy(String keyId) {
      return new Result(principal, failure, validFrom, keyId);
    }
  }

  private final Settings settings;
  private final Clock clock;
  private final HttpClient http;
  private volatile JWKSet keys = new JWKSet();
  private volatile Instant fetched = Instant.EPOCH;
  private volatile Instant lastAttempt = Instant.EPOCH;
  private CompletableFuture<JWKSet> inflight; // guarded by this

  OidcIssuer(Settings settings, Clock clock) {
    this.settings = settings;
    this.clock = clock;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  Settings settings() {
    return settings;
  }

  /** Fetches the JWKS in the background now, so that the first token does not wait. */
  void prefetch() {
    refresh(true);
  }

  /** Validates a token whose unverified {@code iss} named this issuer. */
  CompletionStage<Result> validate(SignedJWT jwt) {
    JWSHeader header = jwt.getHeader();
    if (!settings.algorithms().contains(header.getAlgorithm())) {
      return CompletableFuture.completedFuture(Result.fail("alg_not_allowed"));
    }
    Instant now = clock.instant();
    if (outdated(now)) {
      // Too old to trust: only a successful fetch (rate-limited like any other) lets tokens in.
      CompletableFuture<JWKSet> r = refresh(false);
      if (r == null) {
        return CompletableFuture.completedFuture(Result.fail("jwks_unavailable"));
      }
      return r.handle(
          (set, err) ->
              outdated(clock.instant())
                  ? Result.fail("jwks_unavailable")
                  : validateWith(jwt, header, keys));
    }
    refreshIfStale(now);
    List<JWK> candidates = select(keys, header);
    if (!candidates.isEmpty()) {
      return CompletableFuture.completedFuture(verify(jwt, candidates));
    }
    CompletableFuture<JWKSet> r = refresh(false);
    if (r == null) {
      return CompletableFuture.completedFuture(Result.fail("unknown_kid"));
    }
    return r.handle(
        (set, err) -> {
          List<JWK> c = set == null ? List.of() : select(set, header);
          return c.isEmpty() ? Result.fail("unknown_kid") : verify(jwt, c);
        });
  }

  private Result validateWith(SignedJWT jwt, JWSHeader header, JWKSet set) {
    List<JWK> c = select(set, header);
    return c.isEmpty() ? Result.fail("unknown_kid") : verify(jwt, c);
  }

  /**
   * Whether the keys were last fetched longer than {@code jwks-max-stale} ago (never fetched counts
   * as no keys, not as outdated: every token then fails as {@code unknown_kid}).
   */
  boolean outdated(Instant now) {
    Instant f = fetched;
    return !f.equals(Instant.EPOCH) && now.isAfter(f.plus(settings.jwksMaxStale()));
  }

  /** A stale JWKS is refreshed in the background; what we have is used meanwhile. */
  private void refreshIfStale(Instant now) {
    if (now.isAfter(fetched.plus(settings.jwksCache()))) {
      refresh(false);
    }
  }

  /**
   * Whether a token this issuer verified earlier is still good now: within its validity (with the
   * skew) and signed by a key the issuer still publishes.
   */
  boolean stillValid(Result verified) {
    Instant now = clock.instant();
    refreshIfStale(now);
    Duration skew = settings.clockSkew();
    return verified.kid() != null
        && !outdated(now)
        && keys.getKeyByKeyId(verified.kid()) != null
        && now.minus(skew).isBefore(verified.principal().expires())
        && (verified.validFrom() == null || !now.plus(skew).isBefore(verified.validFrom()));
  }

  private static List<JWK> select(JWKSet set, JWSHeader header) {
    return new JWKSelector(JWKMatcher.forJWSHeader(header)).select(set);
  }

  private Result verify(SignedJWT jwt, List<JWK> candidates) {
    JWK verifiedBy = null;
    for (JWK k : candidates) {
      try {
        JWSVerifier v = verifier(k);
        if (v != null && jwt.verify(v)) {
          verifiedBy = k;
          break;
        }
      } catch (JOSEException e) {
        // a key of the wrong shape for this algorithm: try the next one
      }
    }
    if (verifiedBy == null) {
      return Result.fail("bad_signature");
    }
    JWTClaimsSet claims;
    try {
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      return Result.fail("malformed_token");
    }
    return checkClaims(claims).verifiedBy(verifiedBy.getKeyID());
  }

  private static JWSVerifier verifier(JWK k) throws JOSEException {
    if (k instanceof RSAKey rsa) {
      return new RSASSAVerifier(rsa.toRSAPublicKey());
    }
    if (k instanceof ECKey ec) {
      return new ECDSAVerifier(ec.toECPublicKey());
    }
    return null;
  }

  Result checkClaims(JWTClaimsSet c) {
    Instant now = clock.instant();
    Duration skew = settings.clockSkew();
    if (!settings.issuer().equals(c.getIssuer())) {
      return Result.fail("wrong_issuer");
    }
    if (c.getExpirationTime() == null) {
      return Result.fail("missing_expiry");
    }
    if (!now.minus(skew).isBefore(c.getExpirationTime().toInstant())) {
      return Result.fail("token_expired");
    }
    if (c.getNotBeforeTime() != null && now.plus(skew).isBefore(c.getNotBeforeTime().toInstant())) {
      return Result.fail("token_not_yet_valid");
    }
    if (c.getIssueTime() != null && now.plus(skew).isBefore(c.getIssueTime().toInstant())) {
      return Result.fail("token_not_yet_valid");
    }
    List<String> aud = c.getAudience();
    if (aud == null || aud.stream().noneMatch(settings.audiences()::contains)) {
      return Result.fail("wrong_audience");
    }
    String sub = c.getSubject();
    if (sub == null || sub.isEmpty()) {
      return Result.fail("missing_subject");
    }
    Set<String> roles = new LinkedHashSet<>();
    for (String v : claimStrings(c, settings.rolesClaim())) {
      roles.add(v);
      roles.addAll(settings.roleMap().getOrDefault(v, List.of()));
    }
    Set<String> scopes = new LinkedHashSet<>(claimStrings(c, "scope"));
    scopes.addAll(claimStrings(c, "scp"));
    Object acr = c.getClaim("acr");
    List<String> subjectValues = claimStrings(c, settings.subjectClaim());
    String subject = subjectValues.isEmpty() ? sub : subjectValues.get(0);
    Instant validFrom = null;
    for (java.util.Date d : new java.util.Date[] {c.getNotBeforeTime(), c.getIssueTime()}) {
      if (d != null && (validFrom == null || d.toInstant().isAfter(validFrom))) {
        validFrom = d.toInstant();
      }
    }
    return new Result(
        new Principal(
            "jwt:" + settings.issuer() + "#" + sub,
            Principal.Kind.JWT,
            subject,
            roles,
            scopes,
            claimStrings(c, "amr"),
            acr instanceof String s ? s : "",
            c.getExpirationTime().toInstant()),
        null,
        validFrom,
        null);
  }

  /**
   * The strings at a dotted claim path ({@code realm_access.roles}): a list's strings, a string's
   * space-separated words ({@code scope}), nothing for anything else.
   */
  private static final com.google.re2j.Pattern DOT = com.google.re2j.Pattern.compile("\\.");

  private static final com.google.re2j.Pattern WHITESPACE = com.google.re2j.Pattern.compile("\\s+");

  static List<String> claimStrings(JWTClaimsSet c, String path) {
    Object v = c.getClaims();
    for (String part : DOT.split(path)) {
      if (!(v instanceof Map<?, ?> m)) {
        return List.of();
      }
      v = m.get(part);
    }
    List<String> out = new ArrayList<>();
    if (v instanceof String s) {
      for (String w : WHITESPACE.split(s.trim())) {
        if (!w.isEmpty()) {
          out.add(w);
        }
      }
    } else if (v instanceof Collection<?> l) {
      for (Object o : l) {
        if (o instanceof String s) {
          out.add(s);
        }
      }
    }
    return out;
  }

  /**
   * Starts a JWKS fetch unless one is running or the last began less than {@code jwks-min-refresh}
   * ago; returns the running or new fetch, or {@code null} when rate-limited.
   */
  private synchronized CompletableFuture<JWKSet> refresh(boolean force) {
    if (inflight != null && !inflight.isDone()) {
      return inflight;
    }
    Instant now = clock.instant();
    if (!force && now.isBefore(lastAttempt.plus(settings.jwksMinRefresh()))) {
      return null;
    }
    lastAttempt = now;
    CompletableFuture<URI> uri =
        settings.jwksUri() != null
            ? CompletableFuture.completedFuture(settings.jwksUri())
            : fetch(discoveryUri()).thenApply(this::jwksUriFrom);
    inflight =
        uri.thenCompose(this::fetch)
            .thenApply(
                body -> {
                  try {
                    JWKSet set = JWKSet.parse(body).toPublicJWKSet();
                    keys = set;
                    fetched = clock.instant();
                    return set;
                  } catch (ParseException e) {
                    throw new IllegalStateException("JWKS is not a JWK set: " + e.getMessage());
                  }
                })
            .whenComplete(
                (set, err) -> {
                  if (err != null) {
                    log.warn(
                        "JWKS of {} could not be fetched, keeping {} cached keys until {}: {}",
                        settings.issuer(),
                        keys.size(),
                        fetched.equals(Instant.EPOCH)
                            ? "one is fetched"
                            : fetched.plus(settings.jwksMaxStale()),
                        err.getCause() == null ? err.toString() : err.getCause().toString());
                  }
                });
    return inflight;
  }

  private URI discoveryUri() {
    String base = settings.issuer().endsWith("/") ? settings.issuer() : settings.issuer() + "/";
    return URI.create(base + ".well-known/openid-configuration");
  }

  private URI jwksUriFrom(String discovery) {
    try {
      JsonNode doc = MAPPER.readTree(discovery);
      if (!settings.issuer().equals(doc.path("issuer").asText())) {
        throw new IllegalStateException("discovery document names another issuer");
      }
      URI u = URI.create(doc.path("jwks_uri").asText());
      if (!"https".equals(u.getScheme()) && !"http".equals(u.getScheme())) {
        throw new IllegalStateException("jwks_uri is not http(s)");
      }
      return u;
    } catch (java.io.IOException e) {
      throw new IllegalStateException("discovery document is not JSON");
    }
  }

  private CompletableFuture<String> fetch(URI uri) {
    HttpRequest req =
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(5))
            .header("accept", "application/json")
            .GET()
            .build();
    return http.sendAsync(req, HttpResponse.BodyHandlers.ofByteArray())
        .thenApply(
            res -> {
              if (res.statusCode() != 200) {
                throw new IllegalStateException(uri + " answered " + res.statusCode());
              }
              if (res.body().length > MAX_DOCUMENT_BYTES) {
                throw new IllegalStateException(uri + " sent more than 1 MiB");
              }
              return new String(res.body(), java.nio.charset.StandardCharsets.UTF_8);
            });
  }
}
