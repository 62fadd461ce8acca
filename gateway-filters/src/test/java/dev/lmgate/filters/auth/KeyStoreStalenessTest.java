package dev.lmgate.filters.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lmgate.filters.RecordingEvents;
import dev.lmgate.filters.TestRequest;
import dev.lmgate.spi.FilterEnvironment;
import dev.lmgate.spi.FilterSettings;
import dev.lmgate.spi.GatewayFilter;
import dev.lmgate.spi.SecurityEvent;
import dev.lmgate.spi.Verdict;
import dev.lmgate.testkit.FakeClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A key store the gateway can no longer read keeps the keys it last read for {@code stale-after} (a
 * revocation written meanwhile cannot be seen, so not longer), then refuses every API key with a
 * 503 that does not blame the caller, and says so as security events (which raise alerts).
 */
class KeyStoreStalenessTest {
  @TempDir Path dir;
  final FakeClock clock = new FakeClock(Instant.parse("2026-11-25T12:00:00Z"));
  final RecordingEvents events = new RecordingEvents();
  Path store;
  FileKeyStore admin;
  KeyAdmin.Issued key;
  GatewayFilter filter;
  FileKeyStore watched;

  @BeforeEach
  void setUp() throws Exception {
    store = dir.resolve("keys.json");
    admin = FileKeyStore.open(store, "", false);
    key = new KeyAdmin(admin, clock).create("ci", "team-a", List.of("developer"), List.of(), null);
    filter =
        new AuthenticateFilter.Factory()
            .create(
                "filters[0]",
                new ObjectMapper()
                    .readTree(
                        "{\"api-keys\":{\"store\":\""
                            + store.toString().replace("\\", "/")
                            + "\",\"stale-after\":\"5m\"}}"),
                FilterSettings.defaults(FilterSettings.Action.BLOCK),
                FilterEnvironment.of(clock, events));
    watched = (FileKeyStore) ((AuthenticateFilter) filter).keyStore().orElseThrow();
    assertThat(bearer().kind()).isEqualTo(Verdict.Kind.PASS);
  }

  @AfterEach
  void tearDown() {
    admin.close();
    watched.close();
  }

  Verdict bearer() {
    return filter
        .onRequest(TestRequest.chat("m").header("Authorization", "Bearer " + key.key()))
        .toCompletableFuture()
        .join();
  }

  void garble() throws Exception {
    Files.writeString(store, "{\"format\": \"lmgate-keys/1\", \"keys\": [ garbled");
    watched.poll();
  }

  /** The store's health events: failures as secret_refresh_failed, recovery as a change. */
  List<String> storeEvents() {
    return events.events.stream()
        .filter(
            e ->
                e.type() == SecurityEvent.Type.SECRET_REFRESH_FAILED
                    || (e.type() == SecurityEvent.Type.CREDENTIAL_CHANGED
                        && e.reason().startsWith("key_store_")))
        .map(SecurityEvent::reason)
        .toList();
  }

  @Test
  void keysLastReadStayValidWithinStaleAfterAndTheUnreadableStoreIsReported() throws Exception {
    garble();
    clock.advance(Duration.ofMinutes(5).minusSeconds(1));
    assertThat(bearer().kind()).isEqualTo(Verdict.Kind.PASS);
    assertThat(storeEvents()).containsExactly("key_store_unreadable");
    assertThat(events.events.stream().map(SecurityEvent::detail).toList().toString())
        .doesNotContain(key.key());
  }

  @Test
  void pastStaleAfterEveryKeyIsRefusedWith503NamingTheStoreNotTheCaller() throws Exception {
    garble();
    clock.advance(Duration.ofMinutes(5));
    Verdict v = bearer();
    assertThat(v.kind()).isEqualTo(Verdict.Kind.BLOCK);
    assertThat(v.rejection().status()).isEqualTo(503);
    assertThat(v.rejection().code()).isEqualTo("key_store_unavailable");
    assertThat(v.rejection().message()).contains("key store").doesNotContain(store.toString());
    assertThat(events.last().type()).isEqualTo(SecurityEvent.Type.AUTHENTICATION_FAILED);
    assertThat(events.last().reason()).isEqualTo("key_store_unavailable");
    assertThat(storeEvents()).containsExactly("key_store_unreadable", "key_store_failed_closed");
    bearer();
    watched.poll();
    assertThat(storeEvents()).as("told once").hasSize(2);
  }

  @Test
  void theWatcherReportsFailingClosedWithoutWaitingForARequest() throws Exception {
    garble();
    clock.advance(Duration.ofMinutes(6));
    watched.poll();
    assertThat(storeEvents()).containsExactly("key_store_unreadable", "key_store_failed_closed");
  }

  @Test
  void aReadableStoreAgainServesItsKeysAndSaysSo() throws Exception {
    byte[] good = Files.readAllBytes(store);
    garble();
    clock.advance(Duration.ofMinutes(10));
    assertThat(bearer().rejection().status()).isEqualTo(503);
    Files.write(store, good);
    Files.setLastModifiedTime(store, FileTime.from(Instant.now().plusSeconds(60)));
    watched.poll();
    assertThat(bearer().kind()).isEqualTo(Verdict.Kind.PASS);
    assertThat(storeEvents()).endsWith("key_store_readable");
    assertThat(
            events.events.stream()
                .filter(e -> e.reason().equals("key_store_readable"))
                .map(SecurityEvent::type))
        .as("reading again is not counted as a refresh failure")
        .containsExactly(SecurityEvent.Type.CREDENTIAL_CHANGED);
  }
}
