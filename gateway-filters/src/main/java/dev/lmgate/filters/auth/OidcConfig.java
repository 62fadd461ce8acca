package dev.lmgate.filters.auth;

import com.nimbusds.jose.JWSAlgorithm;
import dev.lmgate.spi.ConfigException;
import dev.lmgate.spi.ConfigReader;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One entry of {@code authenticate}'s {@code oidc} list, read into {@link OidcIssuer.Settings} and
 * validated: http(s) URLs without credentials, at least one audience, asymmetric JWS algorithms
 * only (never {@code none}, never HMAC), a clock skew of at most 5 minutes, and a {@code
 * jwks-max-stale} no shorter than {@code jwks-cache}.
 */
final class OidcConfig {
  private static final Set<String> DEFAULT_ALGORITHMS =
      Set.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512");

  private OidcConfig() {}

  static OidcIssuer.Settings issuer(ConfigReader o) throws ConfigException {
    o.only(
        Set.of(
            "issuer",
            "audience",
            "jwks-uri",
            "algorithms",
            "clock-skew",
            "roles-claim",
            "role-map",
            "subject-claim",
            "jwks-cache",
            "jwks-min-refresh",
            "jwks-max-stale"));
    String issuer = o.requiredString("issuer");
    URI iss = uri(o.path() + ".issuer", issuer);
    Set<String> audiences =
        o.node().path("audience").isArray()
            ? new LinkedHashSet<>(o.strings("audience"))
            : Set.of(o.requiredString("audience"));
    if (audiences.isEmpty()) {
      throw new ConfigException(o.path() + ".audience", "[]", "at least one audience");
    }
    URI jwks = o.has("jwks-uri") ? uri(o.path() + ".jwks-uri", o.requiredString("jwks-uri")) : null;
    Set<JWSAlgorithm> algs = new LinkedHashSet<>();
    List<String> names =
        o.has("algorithms") ? o.strings("algorithms") : new ArrayList<>(DEFAULT_ALGORITHMS);
    for (String a : names) {
      if (!DEFAULT_ALGORITHMS.contains(a.toUpperCase(Locale.ROOT))) {
        throw new ConfigException(
            o.path() + ".algorithms",
            a,
            "asymmetric JWS algorithms only, one of "
                + new java.util.TreeSet<>(DEFAULT_ALGORITHMS)
                + " (never none, never HMAC)");
      }
      algs.add(JWSAlgorithm.parse(a.toUpperCase(Locale.ROOT)));
    }
    Duration skew = o.duration("clock-skew", Duration.ofSeconds(60));
    if (skew.compareTo(Duration.ofMinutes(5)) > 0 || skew.isNegative()) {
      throw new ConfigException(o.path() + ".clock-skew", skew, "between 0s and 5m");
    }
    Map<String, List<String>> roleMap = new HashMap<>();
    if (o.has("role-map")) {
      ConfigReader m = o.child("role-map");
      for (var it = m.node().fieldNames(); it.hasNext(); ) {
        String k = it.next();
        roleMap.put(k, m.node().get(k).isArray() ? m.strings(k) : List.of(m.requiredString(k)));
      }
    }
    Duration jwksCache = o.duration("jwks-cache", Duration.ofMinutes(10));
    Duration maxStale = o.duration("jwks-max-stale", Duration.ofHours(1));
    if (maxStale.compareTo(jwksCache) < 0) {
      throw new ConfigException(
          o.path() + ".jwks-max-stale", maxStale, "at least jwks-cache (" + jwksCache + ")");
    }
    return new OidcIssuer.Settings(
        iss.toString(),
        audiences,
        jwks,
        algs,
        skew,
        o.string("roles-claim", "roles"),
        roleMap,
        o.string("subject-claim", "sub"),
        jwksCache,
        o.duration("jwks-min-refresh", Duration.ofSeconds(30)),
        maxStale);
  }

  private static URI uri(String path, String value) throws ConfigException {
    URI u;
    try {
      u = new URI(value);
    } catch (java.net.URISyntaxException e) {
      u = null;
    }
    if (u == null
        || !("https".equals(u.getScheme()) || "http".equals(u.getScheme()))
        || u.getHost() == null
        || u.getUserInfo() != null) {
      throw new ConfigException(path, value, "an http(s) URL without credentials");
    }
    return u;
  }
}
