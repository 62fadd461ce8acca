package dev.lmgate.filters.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.lmgate.filters.RecordingEvents;
import dev.lmgate.filters.TestRequest;
import dev.lmgate.spi.FilterEnvironment;
import dev.lmgate.spi.FilterSettings;
import dev.lmgate.spi.GatewayFilter;
import dev.lmgate.spi.Verdict;
import dev.lmgate.testkit.FakeClock;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An issuer whose JWKS cannot be fetched keeps its cached keys for {@code jwks-max-stale}, then
 * every token of it is refused with a 503 (not a 401) until a fetch succeeds: a key the issuer
 * withdrew cannot stay trusted forever because its JWKS is unreachable.
 */
class JwksStalenessTest {
  static final String ISSUER = "https://idp.example/realms/ai";
  final FakeClock clock = new FakeClock(Instant.now());
  final RecordingEvents events = new RecordingEvents();
  final AtomicBoolean up = new AtomicBoolean(true);
  HttpServer idp;
  RSAKey signing;
  GatewayFilter filter;

  @BeforeEach
  void setUp() throws Exception {
    signing = new RSAKeyGenerator(2048).keyID("k1").generate();
    byte[] jwks = new JWKSet(signing.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
    idp = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    idp.createContext(
        "/jwks",
        x -> {
          if (up.get()) {
            x.sendResponseHeaders(200, jwks.length);
            x.getResponseBody().write(jwks);
          } else {
            x.sendResponseHeaders(503, -1);
          }
          x.close();
        });
    idp.start();
    filter =
        new AuthenticateFilter.Factory()
            .create(
                "filters[0]",
                new ObjectMapper()
                    .readTree(
                        "{\"oidc\":[{\"issuer\":\""
                            + ISSUER
                            + "\",\"audience\":\"lmgate\",\"jwks-uri\":\"http://127.0.0.1:"
                            + idp.getAddress().getPort()
                            + "/jwks\",\"jwks-max-stale\":\"1h\"}]}"),
                FilterSettings.defaults(FilterSettings.Action.BLOCK),
                FilterEnvironment.of(clock, events));
  }

  @AfterEach
  void tearDown() {
    idp.stop(0);
  }

  String token() throws Exception {
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("k1").build(),
            new JWTClaimsSet.Builder()
                .issuer(ISSUER)
                .audience(List.of("lmgate"))
                .subject("alice")
                .claim("roles", List.of("developer"))
                .issueTime(Date.from(clock.instant()))
                .expirationTime(Date.from(clock.instant().plus(Duration.ofMinutes(5))))
                .build());
    jwt.sign(new RSASSASigner(signing));
    return jwt.serialize();
  }

  Verdict bearer(String token) {
    return filter
        .onRequest(TestRequest.chat("m").header("Authorization", "Bearer " + token))
        .toCompletableFuture()
        .join();
  }

  @Test
  void cachedKeysServeWithinJwksMaxStaleThenTokensGet503UntilAFetchSucceeds() throws Exception {
    assertThat(bearer(token()).kind()).isEqualTo(Verdict.Kind.PASS);
    up.set(false);

    clock.advance(Duration.ofMinutes(59));
    String cached = token();
    assertThat(bearer(cached).kind()).as("within the bound").isEqualTo(Verdict.Kind.PASS);

    clock.advance(Duration.ofMinutes(2));
    Verdict v = bearer(token());
    assertThat(v.kind()).isEqualTo(Verdict.Kind.BLOCK);
    assertThat(v.rejection().status()).isEqualTo(503);
    assertThat(v.rejection().code()).isEqualTo("identity_provider_unavailable");
    assertThat(events.last().reason()).isEqualTo("jwks_unavailable");
    assertThat(bearer(cached).rejection().status())
        .as("a token verified earlier is not waved through from the cache")
        .isEqualTo(503);

    up.set(true);
    clock.advance(Duration.ofMinutes(1)); // past jwks-min-refresh
    assertThat(bearer(token()).kind()).isEqualTo(Verdict.Kind.PASS);
  }
}
