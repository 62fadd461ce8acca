package dev.lmgate.filters.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.UnaryOperator;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded key store: one JSON file ({@code format: lmgate-keys/1}) readable by its owner only,
 * holding records with salted hashes, HMAC-SHA256-keyed by a pepper that is not in the file (an
 * environment variable or secret reference, or else a {@code <store>.pepper} file created beside
 * it). Readers see a snapshot that a background thread refreshes every 250 ms when the file
 * changed, so the CLI's revocations reach a running gateway within a second.
 *
 * <p>Writers ({@code lmgate keys}, the admin API, another gateway on the same file) serialize every
 * read-modify-write on an exclusive lock of {@code <store>.lock} — a file lock between processes,
 * and a lock per file within this JVM, where file locks do not exclude — and replace the file
 * atomically with an owner-only copy that is durable before the rename; so concurrent writers never
 * lose each other's changes and readers see one version or the next, never a mix. The pepper file
 * is created under the same lock, owner-only from its creation.
 *
 * <p>When the file stops being readable (garbled by hand, replaced by something else, its pepper
 * gone), the keys last read stay valid for {@code staleAfter} so that a passing problem does not
 * lock every caller out; after that the store {@linkplain #unavailable() fails closed}, because a
 * revocation written meanwhile cannot be seen. Each transition is told to {@link #onHealth}.
 */
public final class FileKeyStore implements KeyStore {
  private static final Logger log = LoggerFactory.getLogger(FileKeyStore.class);
  private static final long POLL_MILLIS = 250;

  /** How long the last keys read stay valid while the file cannot be read, unless configured. */
  public static final Duration DEFAULT_STALE_AFTER = Duration.ofMinutes(5);

  private final Path file;
  private final String configuredPepper;
  private volatile byte[]
      pepper; // null until known (a watching store waits for the CLI to make it)
  private final ThreadLocal<Mac> mac;
  private final List<byte[]> previousPeppers; // still verify keys hashed before a pepper change
  private volatile Map<String, KeyRecord> snapshot = Map.of();
  private volatile FileTime loadedTime;
  private volatile long loadedSize = -1;
  private ScheduledExecutorService poller;
  private final Clock clock;
  private final Duration staleAfter;
  private final KeyStoreHealth health;

  private FileKeyStore(
      Path file,
      String configuredPepper,
      byte[] pepper,
      List<byte[]> previousPeppers,
      Clock clock,
      Duration staleAfter) {
    this.file = file;
    this.clock = clock;
    this.staleAfter = staleAfter;
    this.previousPeppers = previousPeppers;
    this.configuredPepper = configuredPepper;
    this.pepper = pepper;
    this.health = new KeyStoreHealth(file, clock, staleAfter);
    this.mac =
        ThreadLocal.withInitial(
            () -> {
              try {
                Mac m = Mac.getInstance("HmacSHA256");
                m.init(new SecretKeySpec(this.pepper, "HmacSHA256"));
                return m;
              } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 unavailable", e);
              }
            });
  }

  /**
   * Opens (without creating) the store at {@code file}.
   *
   * @param pepper the pepper, at least 32 characters; empty to use (and create if missing) the
   *     {@code <file>.pepper} file
   * @param watch whether to refresh the snapshot in the background (a running gateway). A watching
   *     store creates no files: until the CLI creates the first key (and the pepper file), it is
   *     empty.
   */
  public static FileKeyStore open(Path file, String pepper, boolean watch) throws IOException {
    return open(file, pepper, List.of(), watch);
  }

  /**
   * Opens the store with the peppers used before the current one: a key hashed under an earlier
   * pepper still verifies (until it is rotated, which hashes its successor under the current one).
   */
  public static FileKeyStore open(
      Path file, String pepper, List<String> previousPeppers, boolean watch) throws IOException {
    return open(file, pepper, previousPeppers, watch, Clock.systemUTC(), DEFAULT_STALE_AFTER);
  }

  /**
   * Opens the store with the clock and bound of its staleness.
   *
   * @param staleAfter how long the keys last read stay valid while the file cannot be read; then
   *     {@link #unavailable()} reports the store failed closed
   */
  public static FileKeyStore open(
      Path file,
      String pepper,
      List<String> previousPeppers,
      boolean watch,
      Clock clock,
      Duration staleAfter)
      throws IOException {
    if (staleAfter.isNegative()) {
      throw new IllegalArgumentException("staleAfter: " + staleAfter + " (expected: >= 0)");
    }
    List<byte[]> previous = new java.util.ArrayList<>();
    for (String p : previousPeppers) {
      if (p.length() < 32) {
        throw new IllegalArgumentException(
            "previous pepper: *** (expected: at least 32 characters)");
      }
      previous.add(p.getBytes(StandardCharsets.UTF_8));
    }
    FileKeyStore s =
        new FileKeyStore(
            file,
            pepper,
            KeyStoreFiles.pepper(file, pepper, !watch),
            List.copyOf(previous),
            clock,
            staleAfter);
    s.refresh();
    if (watch) {
      s.poller =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "lmgate-key-store");
                t.setDaemon(true);
                return t;
              });
      s.poller.scheduleWithFixedDelay(s::poll, POLL_MILLIS, POLL_MILLIS, TimeUnit.MILLISECONDS);
    }
    return s;
  }

  private volatile java.util.function.BiConsumer<String, KeyRecord> changes;

  public Path file() {
    return file;
  }

  /**
   * A store for changing this one's file, as {@code lmgate keys} does: it creates the file and the
   * pepper file if missing. A watching store creates no files and cannot hash new keys before the
   * first exists. Close it after use; then {@link #refreshNow()} this one.
   */
  public FileKeyStore writer() throws IOException {
    return open(file, configuredPepper, List.of(), false, clock, staleAfter);
  }

  /** Re-reads the file now rather than at the next poll. */
  public void refreshNow() throws IOException {
    refresh();
  }

  // ------------------------------------------------------------------ reading

  @Override
  public Optional<KeyRecord> find(String id) {
    return Optional.ofNullable(snapshot.get(id));
  }

  @Override
  public boolean verify(KeyRecord record, String secret) {
    if (pepper == null) {
      return false;
    }
    byte[] expected = Base64.getDecoder().decode(record.hash());
    byte[] salt = Base64.getDecoder().decode(record.salt());
    if (MessageDigest.isEqual(expected, hash(salt, secret))) {
      return true;
    }
    for (byte[] old : previousPeppers) {
      if (MessageDigest.isEqual(expected, hash(old, salt, secret))) {
        return true;
      }
    }
    return false;
  }

  private static byte[] hash(byte[] pepper, byte[] salt, String secret) {
    return KeyHashes.hash(pepper, salt, secret);
  }

  @Override
  public List<KeyRecord> list() {
    return List.copyOf(snapshot.values());
  }

  private byte[] hash(byte[] salt, String secret) {
    Mac m = mac.get();
    m.update(salt);
    return m.doFinal(secret.getBytes(StandardCharsets.US_ASCII));
  }

  /**
   * The watcher's refresh; what it finds is told to the store's {@link KeyStoreHealth} (see there
   * for what is logged and told to {@link #onHealth}).
   */
  synchronized void poll() {
    try {
      refresh();
      health.readable();
    } catch (IOException | RuntimeException e) {
      health.unreadable(e);
    }
  }

  /**
   * Why the store cannot vouch for its keys now, or empty when it can: it has been unreadable for
   * longer than {@code staleAfter}, so a revocation may be missing from what it last read. Callers
   * then refuse every API key (503, not 401: it is not the caller's fault).
   */
  public Optional<String> unavailable() {
    return health.unavailable();
  }

  /**
   * Hears the store's health: {@code key_store_unreadable}, {@code key_store_failed_closed}, {@code
   * key_store_readable}, with a secret-free sentence. Called on the watcher's thread or a caller's.
   */
  public void onHealth(BiConsumer<String, String> listener) {
    health.listener(listener);
  }

  /** Re-reads the file if its time or size changed. A missing file is an empty store. */
  void refresh() throws IOException {
    if (!Files.exists(file)) {
      if (!snapshot.isEmpty()) {
        log.warn("key store {} disappeared: no key is valid until it returns", file);
      }
      snapshot = Map.of();
      loadedTime = null;
      loadedSize = -1;
      return;
    }
    if (pepper == null) {
      pepper = KeyStoreFiles.pepper(file, configuredPepper, false);
      if (pepper == null) {
        throw new IOException(file + " has keys but its pepper file is missing");
      }
    }
    FileTime t = Files.getLastModifiedTime(file);
    long size = Files.size(file);
    if (t.equals(loadedTime) && size == loadedSize) {
      return;
    }
    List<KeyRecord> records = KeyFileFormat.read(file);
    Map<String, KeyRecord> m = new HashMap<>();
    records.forEach(r -> m.put(r.id(), r));
    Map<String, KeyRecord> before = snapshot;
    boolean first = loadedTime == null && before.isEmpty();
    snapshot = Map.copyOf(m);
    loadedTime = t;
    loadedSize = size;
    if (!first) {
      announce(before, snapshot);
    }
  }

  /** What changed between two loads, told to the change listener (the audit trail hears it). */
  private void announce(Map<String, KeyRecord> before, Map<String, KeyRecord> after) {
    java.util.function.BiConsumer<String, KeyRecord> l = changes;
    if (l == null) {
      return;
    }
    for (KeyRecord r : after.values()) {
      KeyRecord old = before.get(r.id());
      if (old == null) {
        l.accept("key_created", r);
      }
      if (r.revoked() != null && (old == null || old.revoked() == null)) {
        l.accept("key_revoked", r);
      } else if (r.replacedBy() != null && (old == null || old.replacedBy() == null)) {
        l.accept("key_rotated", r);
      }
    }
    for (KeyRecord old : before.values()) {
      if (!after.containsKey(old.id())) {
        l.accept("key_removed", old);
      }
    }
  }

  /**
   * Hears changes the watcher finds in the file: {@code key_created}, {@code key_rotated}, {@code
   * key_revoked}, {@code key_removed}, with the key's record (never its secret). Not called for the
   * first load.
   */
  public void onChange(java.util.function.BiConsumer<String, KeyRecord> listener) {
    this.changes = listener;
  }

  // ------------------------------------------------------------------ writing

  @Override
  public KeyRecord add(KeyRecord record, String secret) {
    KeyRecord stored = new KeyHashes(pepper, List.of()).hashed(record, secret);
    update(KeyHashes.adding(stored));
    return stored;
  }

  /**
   * Reads the file, applies {@code change} and writes the result, all under the write lock: a
   * writer in another process or thread waits, then applies its change to this one's result.
   */
  @Override
  public void update(UnaryOperator<List<KeyRecord>> change) {
    try {
      KeyStoreFiles.withWriteLock(
          file,
          () -> {
            List<KeyRecord> current = Files.exists(file) ? KeyFileFormat.read(file) : List.of();
            KeyStoreFiles.replaceOwnerOnly(file, KeyFileFormat.write(change.apply(current)));
          });
      refresh();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    if (poller != null) {
      poller.shutdownNow();
    }
  }
}
