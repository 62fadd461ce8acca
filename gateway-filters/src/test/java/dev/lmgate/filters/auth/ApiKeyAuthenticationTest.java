package dev.lmgate.filters.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lmgate.filters.RecordingEvents;
import dev.lmgate.filters.TestRequest;
import dev.lmgate.spi.FilterEnvironment;
import dev.lmgate.spi.FilterSettings;
import dev.lmgate.spi.GatewayFilter;
import dev.lmgate.spi.Principal;
import dev.lmgate.spi.SecurityEvent;
import dev.lmgate.spi.Verdict;
import dev.lmgate.testkit.Eventually;
import dev.lmgate.testkit.FakeClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiKeyAuthenticationTest {
  @TempDir Path dir;
  final FakeClock clock = new FakeClock(Instant.parse("2026-11-25T12:00:00Z"));
  final RecordingEvents events = new RecordingEvents();
  FileKeyStore admin;
  KeyAdmin keys;
  GatewayFilter filter;

  @BeforeEach
  void setUp() throws Exception {
    Path store = dir.resolve("keys.json");
    admin = FileKeyStore.open(store, "", false);
    keys = new KeyAdmin(admin, clock);
    keys.create("seed", "", List.of("developer"), List.of(), null); // creates store and pepper
    filter =
        new AuthenticateFilter.Factory()
            .create(
                "filters[0]",
                new ObjectMapper()
                    .readTree(
                        "{\"api-keys\":{\"store\":\""
                            + store.toString().replace("\\", "/")
                            + "\"}}"),
                FilterSettings.defaults(FilterSettings.Action.BLOCK),
                FilterEnvironment.of(clock, events));
  }

  @AfterEach
  void tearDown() {
    admin.close();
  }

  Verdict call(TestRequest r) {
    return filter.onRequest(r).toCompletableFuture().join();
  }

  /** A new key, once the gateway's store (which polls the file) has picked it up. */
  KeyAdmin.Issued create(String name, List<String> scopes, Duration expires) throws Exception {
    KeyAdmin.Issued k = keys.create(name, "team-a", List.of("developer"), scopes, expires);
    assertThat(
            Eventually.within(
                Duration.ofSeconds(1), () -> bearer(k.key()).kind() == Verdict.Kind.PASS))
        .as("a new key is usable within a second")
        .isTrue();
    return k;
  }

  Verdict bearer(String key) {
    return call(TestRequest.chat("m").header("Authorization", "Bearer " + key));
  }

  @Test
  void aKeyAuthenticatesAsItsOwnerWithItsRoles_asBearerOrXApiKey() throws Exception {
    KeyAdmin.Issued k = create("ci", List.of("chat"), null);
    int before = events.events.size();
    Verdict v = bearer(k.key());
    assertThat(v.kind()).isEqualTo(Verdict.Kind.PASS);
    Principal p = v.principal();
    assertThat(p.id()).isEqualTo("key:" + k.record().id());
    assertThat(p.roles()).containsExactly("developer");
    assertThat(p.scopes()).containsExactly("chat");
    assertThat(call(TestRequest.chat("m").header("x-api-key", k.key())).principal()).isEqualTo(p);
    // The store's watcher may still be announcing the new key (credential_changed) meanwhile.
    List<SecurityEvent> since = List.copyOf(events.events);
    assertThat(since.subList(before, since.size()))
        .as("a success is part of the exchange's record, not a security event of its own")
        .allMatch(e -> e.type() == SecurityEvent.Type.CREDENTIAL_CHANGED);
  }

  @Test
  void everyFailureIsTheSame401_andTheEventNamesTheReasonButNeverTheCredential() throws Exception {
    KeyAdmin.Issued k = create("ci", List.of(), null);
    String id = k.record().id();
    String sameIdOtherSecret = ApiKeys.newKey(id);
    String badChecksum =
        k.key().substring(0, k.key().length() - 1) + (k.key().endsWith("A") ? "B" : "A");
    String unknownId = ApiKeys.newKey(ApiKeys.newId());
    record Case(TestRequest request, String reason) {}
    List<Case> cases =
        List.of(
            new Case(TestRequest.chat("m"), "missing_credential"),
            new Case(
                TestRequest.chat("m").header("Authorization", "Basic dTpw"), "unsupported_scheme"),
            new Case(
                TestRequest.chat("m").header("Authorization", "Bearer lm-studio"),
                "malformed_credential"),
            new Case(
                TestRequest.chat("m").header("Authorization", "Bearer " + badChecksum),
                "malformed_key"),
            new Case(
                TestRequest.chat("m").header("Authorization", "Bearer " + unknownId),
                "unknown_key"),
            new Case(
                TestRequest.chat("m").header("Authorization", "Bearer " + sameIdOtherSecret),
                "wrong_secret"),
            new Case(
                TestRequest.chat("m")
                    .header("Authorization", "Bearer " + k.key())
                    .header("x-api-key", unknownId),
                "ambiguous_credentials"));
    String invalidBody = null;
    for (Case c : cases) {
      Verdict v = call(c.request());
      assertThat(v.kind()).as(c.reason()).isEqualTo(Verdict.Kind.BLOCK);
      assertThat(v.rejection().status()).isEqualTo(401);
      assertThat(v.rejection().headers()).containsKey("www-authenticate");
      assertThat(events.last().reason()).isEqualTo(c.reason());
      assertThat(events.last().type()).isEqualTo(SecurityEvent.Type.AUTHENTICATION_FAILED);
      assertThat(events.last().toString())
          .doesNotContain(k.key())
          .doesNotContain(sameIdOtherSecret);
      if (!"missing_credential".equals(c.reason())) {
        if (invalidBody == null) {
          invalidBody = v.rejection().message();
        }
        assertThat(v.rejection().message())
            .as("no hint which part was wrong")
            .isEqualTo(invalidBody);
      }
    }
  }

  @Test
  void expiredAndRevokedKeysStop() throws Exception {
    KeyAdmin.Issued shortLived = create("tmp", List.of(), Duration.ofDays(1));
    clock.advance(Duration.ofDays(1));
    assertThat(bearer(shortLived.key()).kind()).isEqualTo(Verdict.Kind.BLOCK);
    assertThat(events.last().reason()).isEqualTo("key_expired");

    KeyAdmin.Issued k = create("ci", List.of(), null);
    keys.revoke(k.record().id());
    // the gateway's store is another instance, watching the file
    assertThat(
            Eventually.within(
                Duration.ofSeconds(1), () -> bearer(k.key()).kind() == Verdict.Kind.BLOCK))
        .as("revocation seen within a second")
        .isTrue();
    assertThat(events.last().reason()).isEqualTo("key_revoked");
  }

  @Test
  void rotationKeepsBothKeysDuringTheOverlapThenOnlyTheNewOne() throws Exception {
    KeyAdmin.Issued old =
        keys.create("ci", "", List.of("developer"), List.of(), Duration.ofDays(90));
    KeyAdmin.Issued fresh = keys.rotate(old.record().id(), Duration.ofHours(24));
    assertThat(
            Eventually.within(
                Duration.ofSeconds(1), () -> bearer(fresh.key()).kind() == Verdict.Kind.PASS))
        .isTrue();
    assertThat(bearer(old.key()).kind()).isEqualTo(Verdict.Kind.PASS);
    assertThat(fresh.record().roles()).isEqualTo(old.record().roles());
    assertThat(admin.find(old.record().id()).orElseThrow().replacedBy())
        .isEqualTo(fresh.record().id());
    clock.advance(Duration.ofHours(24));
    assertThat(bearer(old.key()).kind()).isEqualTo(Verdict.Kind.BLOCK);
    assertThat(bearer(fresh.key()).kind()).isEqualTo(Verdict.Kind.PASS);
  }

  @Test
  void theStoreHoldsHashesOnly_andIsReadableByItsOwnerOnly() throws Exception {
    KeyAdmin.Issued k = keys.create("ci", "", List.of("developer"), List.of(), null);
    Path file = admin.file();
    String text = Files.readString(file);
    String secret = ApiKeys.parse(k.key()).orElseThrow().secret();
    assertThat(text).contains(k.record().id()).doesNotContain(secret);
    assertThat(Files.getPosixFilePermissions(file))
        .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    assertThat(k.toString()).doesNotContain(secret);
  }

  @Test
  void keysHaveAScannablePrefixAndAChecksum() {
    String key = ApiKeys.newKey(ApiKeys.newId());
    assertThat(key).startsWith("lmgk_").hasSize(ApiKeys.LENGTH);
    assertThat(ApiKeys.parse(key)).isPresent();
    char[] c = key.toCharArray();
    c[10] = c[10] == 'a' ? 'b' : 'a';
    assertThat(ApiKeys.parse(new String(c))).isEmpty();
  }
}
