package dev.lmgate.filters.auth;

import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.SignedJWT;
import dev.lmgate.spi.BaseFilter;
import dev.lmgate.spi.ConfigException;
import dev.lmgate.spi.ConfigReader;
import dev.lmgate.spi.FilterDescription;
import dev.lmgate.spi.FilterEnvironment;
import dev.lmgate.spi.FilterFactory;
import dev.lmgate.spi.FilterSettings;
import dev.lmgate.spi.GatewayFilter;
import dev.lmgate.spi.Principal;
import dev.lmgate.spi.Rejection;
import dev.lmgate.spi.RequestView;
import dev.lmgate.spi.SecurityEvent;
import dev.lmgate.spi.Verdict;
import java.text.ParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code authenticate}: every request must carry an lmgate API key or an access token from a
 * trusted OIDC issuer, as {@code Authorization: Bearer <credential>} or {@code x-api-key:
 * <credential>} (Anthropic clients). On success the caller becomes the exchange's {@link
 * Principal}; the credential headers are then not forwarded to LM Studio.
 *
 * <p>Every decision is a {@link SecurityEvent} with a reason code ({@code unknown_key}, {@code
 * token_expired}, …). The client never learns which part of a credential was wrong: every failure
 * is the same 401.
 */
public final class AuthenticateFilter extends BaseFilter {
  public static final String ID = "authenticate";
  private static final Logger log = LoggerFactory.getLogger(AuthenticateFilter.class);

  private final FilterEnvironment env;
  private final KeyStore keys; // null: API keys not accepted
  private final Map<String, OidcIssuer> issuers; // by exact issuer string
  private final VerifiedTokens verifiedTokens = new VerifiedTokens();
  private final Map<String, Principal> certificates; // by subject DN (RFC 2253)

  AuthenticateFilter(
      FilterSettings settings,
      FilterEnvironment env,
      KeyStore keys,
      Map<String, OidcIssuer> issuers,
      Map<String, Principal> certificates) {
    super(ID, settings);
    this.env = env;
    this.keys = keys;
    this.issuers = Map.copyOf(issuers);
    this.certificates = Map.copyOf(certificates);
  }

  /** The API-key store this filter checks keys against, when it accepts API keys. */
  public Optional<KeyStore> keyStore() {
    return Optional.ofNullable(keys);
  }

  @Override
  public CompletionStage<Verdict> onRequest(RequestView request) {
    Optional<String> cert = request.clientCertificate();
    if (cert.isPresent() && certificates.containsKey(cert.get())) {
      // The listener verified the certificate chain (mTLS); the mapping names the caller.
      return done(succeed(request, certificates.get(cert.get()), "client_certificate"));
    }
    List<String> auth = request.headers().getOrDefault("authorization", List.of());
    List<String> apiKey = request.headers().getOrDefault("x-api-key", List.of());
    if (auth.size() > 1 || apiKey.size() > 1) {
      return done(fail(request, "ambiguous_credentials"));
    }
    String credential = null;
    if (!auth.isEmpty()) {
      String h = auth.get(0).trim();
      if (h.length() < 7 || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
        return done(fail(request, "unsupported_scheme"));
      }
      credential = h.substring(7).trim();
    }
    if (!apiKey.isEmpty()) {
      String k = apiKey.get(0).trim();
      if (credential != null && !credential.equals(k)) {
        return done(fail(request, "ambiguous_credentials"));
      }
      credential = k;
    }
    if (credential == null || credential.isEmpty()) {
      return done(fail(request, "missing_credential"));
    }
    if (ApiKeys.looksLikeKey(credential)) {
      return done(apiKey(request, credential));
    }
    if (credential.chars().filter(c -> c == '.').count() == 2) {
      return jwt(request, credential);
    }
    return done(fail(request, "malformed_credential"));
  }

  private Verdict apiKey(RequestView request, String credential) {
    if (keys == null) {
      return fail(request, "api_keys_disabled");
    }
    Optional<ApiKeys.Parsed> parsed = ApiKeys.parse(credential);
    if (parsed.isEmpty()) {
      return fail(request, "malformed_key");
    }
    Optional<String> down = keys.unavailable();
    if (down.isPresent()) {
      // Fail closed: what the store last read may miss a revocation. Not the caller's fault: 503.
      env.events()
          .emit(
              SecurityEvent.of(
                  env.clock().instant(),
                  SecurityEvent.Type.AUTHENTICATION_FAILED,
                  "key_store_unavailable",
                  request,
                  "claimed key:" + parsed.get().id()));
      return Verdict.block("key_store_unavailable", unavailable());
    }
    Optional<KeyRecord> found = keys.find(parsed.get().id());
    if (found.isEmpty()) {
      return fail(request, "unknown_key");
    }
    KeyRecord k = found.get();
    if (!keys.verify(k, parsed.get().secret())) {
      return fail(request, "wrong_secret", "claimed key:" + k.id());
    }
    switch (k.status(env.clock().instant())) {
      case EXPIRED -> {
        return fail(request, "key_expired", "claimed key:" + k.id());
      }
      case REVOKED -> {
        return fail(request, "key_revoked", "claimed key:" + k.id());
      }
      default -> {}
    }
    return succeed(request, k.principal(), "api_key");
  }

  private CompletionStage<Verdict> jwt(RequestView request, String credential) {
    if (issuers.isEmpty()) {
      return done(fail(request, "tokens_disabled"));
    }
    OidcIssuer.Result seen = verifiedTokens.lookup(credential);
    if (seen != null) {
      return done(succeed(request, seen.principal(), "jwt"));
    }
    JWT parsed;
    String iss;
    try {
      parsed = JWTParser.parse(credential);
      iss = parsed.getJWTClaimsSet().getIssuer();
    } catch (ParseException e) {
      return done(fail(request, "malformed_token"));
    }
    if (!(parsed instanceof SignedJWT signed)) {
      // alg "none" (PlainJWT) or an encrypted token: only signed tokens are accepted
      return done(fail(request, "alg_not_allowed"));
    }
    OidcIssuer issuer = iss == null ? null : issuers.get(iss);
    if (issuer == null) {
      return done(fail(request, "wrong_issuer"));
    }
    return issuer
        .validate(signed)
        .thenApply(
            r -> {
              if ("jwks_unavailable".equals(r.failure())) {
                return jwksUnavailable(request, iss);
              }
              if (r.principal() == null) {
                return fail(request, r.failure());
              }
              verifiedTokens.remember(credential, issuer, r);
              return succeed(request, r.principal(), "jwt");
            });
  }

  /**
   * The issuer's keys are older than its {@code jwks-max-stale} and cannot be fetched: not the
   * caller's fault, so a 503 naming the reason rather than the 401 of a bad token.
   */
  private Verdict jwksUnavailable(RequestView request, String issuer) {
    env.events()
        .emit(
            SecurityEvent.of(
                env.clock().instant(),
                SecurityEvent.Type.AUTHENTICATION_FAILED,
                "jwks_unavailable",
                request,
                "issuer " + issuer));
    return Verdict.block(
        "jwks_unavailable",
        new Rejection(
            503,
            "service_unavailable",
            "identity_provider_unavailable",
            "",
            "Access tokens cannot be checked right now: the signing keys of their issuer could not"
                + " be fetched for too long. This is not a problem with your token; try again"
                + " later.",
            Map.of("retry-after", "30")));
  }

  /**
   * A success is no security event of its own: the exchange's record names the principal, its roles
   * and this filter's outcome ({@code how}), so one record per exchange says it all.
   */
  private Verdict succeed(RequestView request, Principal p, String how) {
    return Verdict.authenticated(how, p);
  }

  private Verdict fail(RequestView request, String reason) {
    return fail(request, reason, "");
  }

  /**
   * @param detail for a known key presented with a bad secret (or expired, revoked): {@code claimed
   *     key:ID}, so that failures against one key can be told apart; ids are not secret
   */
  private Verdict fail(RequestView request, String reason, String detail) {
    env.events()
        .emit(
            SecurityEvent.of(
                env.clock().instant(),
                SecurityEvent.Type.AUTHENTICATION_FAILED,
                reason,
                request,
                detail));
    return Verdict.block(reason, rejection(reason));
  }

  /** The one 401 every failure gets; only "missing" and "not accepted" are told apart. */
  static Rejection rejection(String reason) {
    boolean missing = "missing_credential".equals(reason);
    String type = "invalid_request_error"; // LM Studio's own name is the core's to write
    String message =
        missing
            ? "Authentication required: send an lmgate API key or an access token as"
                + " 'Authorization: Bearer <credential>' (or in the 'x-api-key' header)."
            : "The credential was not accepted: it is malformed, unknown, expired or revoked.";
    return new Rejection(401, type, "invalid_api_key", "", message)
        .withHeader(
            "www-authenticate",
            missing
                ? "Bearer realm=\"lmgate\""
                : "Bearer realm=\"lmgate\", error=\"invalid_token\"");
  }

  /**
   * The 503 every API key gets while the key store fails closed: names the reason, not the file or
   * its error (those go to the log, the audit trail and the alert).
   */
  static Rejection unavailable() {
    return new Rejection(
        503,
        "service_unavailable",
        "key_store_unavailable",
        "",
        "API keys cannot be checked right now: the gateway's key store has been unreadable for"
            + " longer than it may serve keys from memory. This is not a problem with your"
            + " credential; try again later.",
        Map.of("retry-after", "30"));
  }

  private static CompletionStage<Verdict> done(Verdict v) {
    return CompletableFuture.completedFuture(v);
  }

  /** Builds the filter from YAML. */
  public static final class Factory implements FilterFactory {
    @Override
    public FilterDescription describe() {
      return FilterDescription.of(
              ID,
              FilterDescription.Stage.WHO_AND_WHETHER,
              "Establishes who is calling: lmgate API keys, OIDC access tokens or TLS client certificates.",
              "identity.md#authenticate")
          .handbook(1, 5)
          .keys("api-keys", "oidc", "client-certificates");
    }

    @Override
    public GatewayFilter create(ConfigReader r, FilterSettings settings, FilterEnvironment env)
        throws ConfigException {
      KeyStore store = r.has("api-keys") ? ApiKeysConfig.store(r.child("api-keys"), env) : null;
      Map<String, OidcIssuer> issuers = new HashMap<>();
      for (ConfigReader o : r.has("oidc") ? r.list("oidc") : List.<ConfigReader>of()) {
        OidcIssuer.Settings s = OidcConfig.issuer(o);
        if (issuers.containsKey(s.issuer())) {
          throw new ConfigException(o.path() + ".issuer", s.issuer(), "each issuer once");
        }
        OidcIssuer issuer =
            env.shared(
                "authenticate.oidc:" + s,
                OidcIssuer.class,
                () -> {
                  OidcIssuer i = new OidcIssuer(s, env.clock());
                  i.prefetch();
                  return i;
                });
        issuers.put(s.issuer(), issuer);
      }
      Map<String, Principal> certificates = new HashMap<>();
      ConfigReader certs = r.child("client-certificates");
      if (certs.node().isObject()) {
        for (var it = certs.node().fieldNames(); it.hasNext(); ) {
          String subject = it.next();
          ConfigReader c = certs.child(subject).only(Set.of("id", "roles", "scopes"));
          String id = c.requiredString("id");
          List<String> roles = c.strings("roles");
          if (roles.isEmpty()) {
            throw new ConfigException(c.path() + ".roles", "[]", "at least one role");
          }
          String dn = new javax.security.auth.x500.X500Principal(subject).getName();
          certificates.put(
              dn,
              new Principal(
                  "cert:" + id,
                  Principal.Kind.CLIENT_CERTIFICATE,
                  dn,
                  Set.copyOf(roles),
                  Set.copyOf(c.strings("scopes")),
                  List.of(),
                  "",
                  null));
        }
      }
      if (store == null && issuers.isEmpty() && certificates.isEmpty()) {
        throw new ConfigException(r.path(), "{}", "api-keys, oidc, client-certificates or a mix");
      }
      if (store instanceof FileKeyStore file && issuers.isEmpty() && store.list().isEmpty()) {
        log.warn(
            "no API keys in {} yet: every request gets 401 until one is created with"
                + " `lmgate keys create --store {} --name NAME --role ROLE`",
            file.file(),
            file.file());
      }
      return new AuthenticateFilter(settings, env, store, issuers, certificates);
    }
  }
}
