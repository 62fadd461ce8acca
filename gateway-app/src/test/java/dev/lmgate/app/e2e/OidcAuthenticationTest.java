package dev.lmgate.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.lmgate.simulator.LmStudioSimulator;
import dev.lmgate.spi.SecurityEvent;
import dev.lmgate.testkit.Eventually;
import dev.lmgate.testkit.FakeClock;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * OIDC bearer tokens against a real OIDC server (mock-oauth2-server): good tokens pass with their
 * roles, the JWT attack set is refused, MFA is enforced, and path tricks cannot reach routes a
 * policy forbids.
 */
class OidcAuthenticationTest {
  /** Started as the class loads: the gateway's config names its issuer. */
  static final MockOAuth2Server idp = startedIdp();

  static final String issuer = idp.issuerUrl("default").toString();

  /** The system clock, moved by tests to make real tokens expired or not yet valid. */
  static final FakeClock clock = FakeClock.shiftedSystem();

  static final HttpClient http = HttpClient.newHttpClient();

  @RegisterExtension
  static final GatewayExtension gateway =
      GatewayExtension.config(
              """
              server: {port: 0, access-log: false}
              admin: {enabled: false}
              upstream: {url: "{simulator}"}
              filters:
                - id: authenticate
                  oidc:
                    - issuer: %s
                      audience: lmgate
                      algorithms: [RS256, ES256]
                      clock-skew: 30s
                      jwks-min-refresh: 1s
                - id: authorize
                  mfa: {methods: [mfa, otp]}
                  roles:
                    developer:
                      routes: ["openai-*", "native-v1-chat"]
                      models: ["qwen/*"]
                    admin:
                      routes: ["*"]
                      models: ["*"]
                      model-management: true
                      require-mfa: true
              """
                  .formatted(issuer))
          .clock(clock);

  static MockOAuth2Server startedIdp() {
    MockOAuth2Server server = new MockOAuth2Server();
    try {
      server.start(InetAddress.getByName("127.0.0.1"), 0);
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e);
    }
    return server;
  }

  /**
   * The gateway fetches the issuer's keys in the background when it starts; on a loaded machine
   * that fetch can fail, and a failed fetch is retried only after {@code jwks-min-refresh}. The
   * tests here are about what a verified token may do, so they start once a token is accepted.
   */
  @BeforeAll
  static void awaitIssuerKeys() throws Exception {
    URI models = gateway.url("/v1/models");
    assertThat(
            Eventually.within(
                Duration.ofSeconds(30),
                () -> {
                  HttpRequest r =
                      HttpRequest.newBuilder(models)
                          .header("authorization", "Bearer " + developerToken())
                          .build();
                  try {
                    return http.send(r, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
                  } catch (java.io.IOException e) {
                    return false;
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                  }
                }))
        .as("the gateway accepts a token once it has the issuer's keys")
        .isTrue();
  }

  @AfterAll
  static void stopIdp() {
    idp.shutdown();
  }

  @BeforeEach
  void resetClock() {
    clock.shiftTo(Duration.ZERO);
  }

  static String token(String subject, String audience, Map<String, Object> claims) {
    return idp.issueToken("default", subject, audience, claims, 3600).serialize();
  }

  static String developerToken() {
    return token("alice", "lmgate", Map.of("roles", List.of("developer"), "amr", List.of("pwd")));
  }

  HttpResponse<String> send(String method, String path, String token, String body)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(gateway.url(path))
            .timeout(Duration.ofSeconds(10))
            .header("content-type", "application/json")
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> chat(String token) throws Exception {
    return send(
        "POST",
        "/v1/chat/completions",
        token,
        "{\"model\":\"qwen/qwen3-4b-2507\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
  }

  /** The reason code of the next authentication failure event. */
  String failureReason() throws InterruptedException {
    while (true) {
      SecurityEvent e = gateway.securityEvents().poll(5, TimeUnit.SECONDS);
      assertThat(e).as("a security event").isNotNull();
      if (e.type() == SecurityEvent.Type.AUTHENTICATION_FAILED
          || e.type() == SecurityEvent.Type.AUTHORIZATION_DENIED) {
        return e.reason();
      }
    }
  }

  @Test
  void aValidTokenPasses_withRolesFromItsClaims_andLmStudioNeverSeesIt() throws Exception {
    String t = developerToken();
    HttpResponse<String> r = chat(t);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("chat.completion");
    LmStudioSimulator.Received seen = gateway.simulator().takeRequest();
    assertThat(seen.headers().get("authorization")).isNull();
    // the exchange's own record names who called; a success is no separate security event
    dev.lmgate.spi.ExchangeSummary ok = gateway.nextExchange();
    assertThat(ok.principal().id()).isEqualTo("jwt:" + issuer + "#alice");
    assertThat(gateway.securityEvents())
        .as("security events by the time the exchange ended")
        .isEmpty();
  }

  @Test
  void theJwtAttackSetIsRefused() throws Exception {
    String good = developerToken();
    String[] parts = good.split("\\.");
    JWTClaimsSet claims = SignedJWT.parse(good).getJWTClaimsSet();
    RSAKey idpKey = JWKSet.load(idp.jwksUrl("default").url()).getKeys().get(0).toRSAKey();
    RSAKey attackerKey = new RSAKeyGenerator(2048).keyID("attacker").generate();

    String none = new PlainJWT(claims).serialize();
    SignedJWT hs =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(idpKey.getKeyID()).build(), claims);
    hs.sign(
        new MACSigner(idpKey.toRSAPublicKey().getEncoded())); // the RSA public key as HMAC secret
    String unknownKid = signed(attackerKey, "attacker", claims);
    String injectedKid = signed(attackerKey, "../../../../dev/null' OR '1'='1", claims);
    String noKidOwnKey = signed(attackerKey, null, claims);
    JWTClaimsSet elevated =
        new JWTClaimsSet.Builder(claims)
            .claim("roles", List.of("admin"))
            .claim("amr", List.of("mfa"))
            .build();
    String tampered =
        parts[0]
            + "."
            + Base64URL.encode(elevated.toString().getBytes(StandardCharsets.UTF_8))
            + "."
            + parts[2];
    String stripped = parts[0] + "." + parts[1] + ".";
    String wrongAudience = token("alice", "someone-else", Map.of("roles", List.of("developer")));
    String wrongIssuer =
        idp.issueToken("other", "alice", "lmgate", Map.of("roles", List.of("developer")), 3600)
            .serialize();

    record Attack(String name, String token, String reason) {}
    List<Attack> attacks =
        List.of(
            new Attack("alg none", none, "alg_not_allowed"),
            new Attack("HS256 with the RSA public key", hs.serialize(), "alg_not_allowed"),
            new Attack("unknown kid", unknownKid, "unknown_kid"),
            new Attack("injected kid", injectedKid, "unknown_kid"),
            new Attack("attacker key without kid", noKidOwnKey, "bad_signature"),
            new Attack("tampered payload", tampered, "bad_signature"),
            new Attack("stripped signature", stripped, "malformed_token"),
            new Attack("wrong audience", wrongAudience, "wrong_audience"),
            new Attack("wrong issuer", wrongIssuer, "wrong_issuer"));
    for (Attack a : attacks) {
      HttpResponse<String> r = chat(a.token());
      assertThat(r.statusCode()).as(a.name()).isEqualTo(401);
      assertThat(r.body())
          .as(a.name())
          .contains("invalid_api_key")
          .doesNotContain("kid")
          .doesNotContain("signature");
      assertThat(failureReason()).as(a.name()).isEqualTo(a.reason());
    }
    assertThat(gateway.simulator().pendingRequests()).as("nothing reached LM Studio").isZero();
  }

  @Test
  void expiredAndNotYetValidTokensAreRefused_withinTheClockSkew_alsoWhenVerifiedBefore()
      throws Exception {
    String t = developerToken();
    assertThat(chat(t).statusCode()).as("verified once, then remembered").isEqualTo(200);
    gateway.simulator().takeRequest();
    clock.shiftTo(Duration.ofHours(1).plusSeconds(20)); // expired 20 s ago: within the 30 s skew
    assertThat(chat(t).statusCode()).isEqualTo(200);
    gateway.simulator().takeRequest();
    clock.shiftTo(Duration.ofHours(1).plusMinutes(1));
    assertThat(chat(t).statusCode()).isEqualTo(401);
    assertThat(failureReason()).isEqualTo("token_expired");

    String u = developerToken();
    clock.shiftTo(Duration.ZERO);
    assertThat(chat(u).statusCode()).isEqualTo(200);
    gateway.simulator().takeRequest();
    clock.shiftTo(
        Duration.ofMinutes(-5)); // issued (and valid from) 5 minutes in the gateway's future
    assertThat(chat(u).statusCode()).isEqualTo(401);
    assertThat(failureReason()).isEqualTo("token_not_yet_valid");
  }

  @Test
  void anMfaRoleNeedsASecondFactorInAmr() throws Exception {
    String body = "{\"model\":\"qwen/qwen3-4b-2507\"}";
    String pwdOnly =
        token("root", "lmgate", Map.of("roles", List.of("admin"), "amr", List.of("pwd")));
    HttpResponse<String> r = send("POST", "/api/v1/models/load", pwdOnly, body);
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.body()).contains("mfa_required").contains("multi-factor");
    String withOtp =
        token("root", "lmgate", Map.of("roles", List.of("admin"), "amr", List.of("pwd", "otp")));
    assertThat(send("POST", "/api/v1/models/load", withOtp, body).statusCode()).isNotIn(401, 403);
  }

  @Test
  void pathTricksCannotReachAForbiddenRoute() throws Exception {
    String dev = developerToken();
    assertThat(send("POST", "/api/v1/models/load", dev, "{}").statusCode()).isEqualTo(403);
    for (String path :
        List.of(
            "//api/v1/models/load",
            "/v1/../api/v1/models/load",
            "/api/v1/models/./load",
            "/api/v1/models/%6Coad",
            "/api%2Fv1/models/load",
            "/API/V1/MODELS/LOAD",
            "/api/v1/models/load.",
            "/api/v1/models/load/",
            "/api/v1/models/load;x=1")) {
      HttpResponse<String> r = send("POST", path, dev, "{}");
      assertThat(r.statusCode()).as(path).isIn(400, 404);
    }
    assertThat(gateway.simulator().pendingRequests()).as("nothing reached LM Studio").isZero();
  }

  @Test
  void modelListsShowOnlyTheModelsTheCallerMayUse() throws Exception {
    HttpResponse<String> r = send("GET", "/v1/models", developerToken(), null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("qwen/").doesNotContain("gpt-oss");
    gateway.simulator().takeRequest();
    assertThat(send("GET", "/v1/models/openai/gpt-oss-20b", developerToken(), null).statusCode())
        .isEqualTo(403);
  }

  private static String signed(RSAKey key, String kid, JWTClaimsSet claims) throws Exception {
    JWSHeader.Builder h = new JWSHeader.Builder(JWSAlgorithm.RS256).type(JOSEObjectType.JWT);
    if (kid != null) {
      h.keyID(kid);
    }
    SignedJWT jwt = new SignedJWT(h.build(), claims);
    jwt.sign(new RSASSASigner(key));
    return jwt.serialize();
  }
}
