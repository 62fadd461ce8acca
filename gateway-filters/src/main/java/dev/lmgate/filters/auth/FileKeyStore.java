package dev.lmgate.filters.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
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
  static final String FORMAT = "lmgate-keys/1";
  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final long POLL_MILLIS = 250;

  /** How long the last keys read stay valid while the file cannot be read, unless configured. */
  public static final Duration DEFAULT_STALE_AFTER = Duration.ofMinutes(5);

  /** How long a writer waits for another writer's lock before giving up. */
  private static final long LOCK_WAIT_MILLIS = 30_000;

  /** Writers of this JVM by lock file: a file lock excludes other processes, not other threads. */
  private static final ConcurrentHashMap<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

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
  private String lastError; // the watcher thread's last report
  private final Clock clock;
  private final Duration staleAfter;
  // Set when a refresh fails, cleared when one succeeds; guarded by "this" for writes.
  private volatile Instant unreadableSince;
  private final AtomicBoolean failedClosedTold = new AtomicBoolean();
  private volatile BiConsumer<String, String> health;

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
            pepperBytes(file, pepper, !watch),
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

  /** The pepper: configured, or from the pepper file (created if {@code create}), or null. */
  static byte[] pepperBytes(Path store, String configured, boolean create) throws IOException {
    if (configured != null && !configured.isEmpty()) {
      if (configured.length() < 32) {
        throw new IllegalArgumentException("pepper: *** (expected: at least 32 characters)");
      }
      return configured.getBytes(StandardCharsets.UTF_8);
    }
    Path p = store.resolveSibling(store.getFileName() + ".pepper");
    if (!Files.exists(p) && !create) {
      return null;
    }
    if (!Files.exists(p)) {
      // Under the writers' lock, so that two first writers agree on one pepper; written whole and
      // owner-only from its creation, so that no reader ever sees it partial or readable by others.
      withWriteLock(
          store,
          () -> {
            if (!Files.exists(p)) {
              byte[] raw = new byte[32];
              RANDOM.nextBytes(raw);
              replaceOwnerOnly(p, Base64.getEncoder().encode(raw));
            }
          });
    }
    String text = Files.readString(p, StandardCharsets.US_ASCII).trim();
    if (text.length() < 32) {
      throw new IllegalArgumentException(
          p + ": pepper too short (expected: at least 32 characters)");
    }
    return text.getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Replaces {@code target} with {@code content}: written to a temporary file that is owner-only
   * (0600) from its creation — never a {@code chmod} after the fact, which leaves a window in which
   * anyone may open it — made durable, then renamed over the target atomically. Call it holding the
   * write lock.
   */
  private static void replaceOwnerOnly(Path target, byte[] content) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp", ownerOnly(dir));
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ByteBuffer b = ByteBuffer.wrap(content);
        while (b.hasRemaining()) {
          ch.write(b);
        }
        ch.force(true); // durable before the rename makes it the store
      }
      try {
        Files.move(
            tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** The attributes that create a file 0600; none where there are no POSIX modes. */
  private static FileAttribute<?>[] ownerOnly(Path dir) throws IOException {
    return Files.getFileStore(dir).supportsFileAttributeView("posix")
        ? new FileAttribute<?>[] {
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))
        }
        : new FileAttribute<?>[0]; // elsewhere the directory's access control applies
  }

  /** Work done while holding the store's write lock. */
  @FunctionalInterface
  private interface Locked {
    void run() throws IOException;
  }

  /**
   * Runs {@code work} holding the exclusive write lock of {@code store}: first this JVM's lock for
   * the file, then the file lock on {@code <store>.lock} (an overlapping file lock from a second
   * channel of the same JVM would throw instead of wait). Waits up to {@value #LOCK_WAIT_MILLIS} ms
   * for another writer.
   */
  private static void withWriteLock(Path store, Locked work) throws IOException {
    Path lock = store.resolveSibling(store.getFileName() + ".lock").toAbsolutePath().normalize();
    Files.createDirectories(lock.getParent());
    ReentrantLock jvm =
        JVM_LOCKS.computeIfAbsent(lock, k -> new ReentrantLock(true)); // fair: in turn
    try {
      if (!jvm.tryLock(LOCK_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
        throw new IOException(store + ": another writer in this process holds the key store lock");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(store + ": interrupted waiting for the key store lock", e);
    }
    try {
      if (jvm.getHoldCount() > 1) {
        work.run(); // this thread holds the file lock already (the pepper inside an update)
        return;
      }
      try (FileChannel ch =
              FileChannel.open(
                  lock,
                  java.util.Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
                  ownerOnly(lock.getParent()));
          FileLock held = fileLock(ch, store)) {
        work.run();
      }
    } finally {
      jvm.unlock();
    }
  }

  /** The file lock, waiting for another process's writer up to {@value #LOCK_WAIT_MILLIS} ms. */
  private static FileLock fileLock(FileChannel ch, Path store) throws IOException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LOCK_WAIT_MILLIS);
    while (true) {
      FileLock l = ch.tryLock();
      if (l != null) {
        return l;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new IOException(
            store + ": another process has held the key store's write lock for over 30 s");
      }
      try {
        Thread.sleep(10); // writers hold it for one read-modify-write: milliseconds
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(store + ": interrupted waiting for the key store lock", e);
      }
    }
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
    try {
      Mac m = Mac.getInstance("HmacSHA256");
      m.init(new SecretKeySpec(pepper, "HmacSHA256"));
      m.update(salt);
      return m.doFinal(secret.getBytes(StandardCharsets.US_ASCII));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
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
   * The watcher's refresh. A broken file is logged once per distinct error, not every poll; the
   * first failure after a good read starts the {@code staleAfter} bound and is told to {@link
   * #onHealth} as {@code key_store_unreadable}, a good read after failures as {@code
   * key_store_readable}, and the end of the bound as {@code key_store_failed_closed}.
   */
  synchronized void poll() {
    try {
      refresh();
      lastError = null;
      Instant since = unreadableSince;
      if (since != null) {
        unreadableSince = null;
        failedClosedTold.set(false);
        log.warn("key store {} readable again", file);
        tell(
            "key_store_readable", "key store " + file + " is readable again (since " + since + ")");
      }
    } catch (IOException | RuntimeException e) {
      if (!e.toString().equals(lastError)) {
        lastError = e.toString();
        log.error("key store {} unreadable: {}", file, lastError);
      }
      if (unreadableSince == null) {
        Instant now = clock.instant();
        unreadableSince = now;
        tell(
            "key_store_unreadable",
            "key store "
                + file
                + " cannot be read ("
                + e.getMessage()
                + "); the keys last read stay valid until "
                + now.plus(staleAfter)
                + ", then every API key is refused");
      }
      unavailable(); // tells key_store_failed_closed when the bound has passed
    }
  }

  /**
   * Why the store cannot vouch for its keys now, or empty when it can: it has been unreadable for
   * longer than {@code staleAfter}, so a revocation may be missing from what it last read. Callers
   * then refuse every API key (503, not 401: it is not the caller's fault).
   */
  public Optional<String> unavailable() {
    Instant since = unreadableSince;
    if (since == null) {
      return Optional.empty();
    }
    Instant until = since.plus(staleAfter);
    if (clock.instant().isBefore(until)) {
      return Optional.empty();
    }
    String why =
        "key store "
            + file
            + " unreadable since "
            + since
            + ", longer than stale-after ("
            + staleAfter
            + "): every API key is refused until it can be read";
    if (failedClosedTold.compareAndSet(false, true)) {
      log.error("{}", why);
      tell("key_store_failed_closed", why);
    }
    return Optional.of(why);
  }

  /**
   * Hears the store's health: {@code key_store_unreadable}, {@code key_store_failed_closed}, {@code
   * key_store_readable}, with a secret-free sentence. Called on the watcher's thread or a caller's.
   */
  public void onHealth(BiConsumer<String, String> listener) {
    this.health = listener;
  }

  private void tell(String reason, String detail) {
    BiConsumer<String, String> l = health;
    if (l != null) {
      l.accept(reason, detail);
    }
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
      pepper = pepperBytes(file, configuredPepper, false);
      if (pepper == null) {
        throw new IOException(file + " has keys but its pepper file is missing");
      }
    }
    FileTime t = Files.getLastModifiedTime(file);
    long size = Files.size(file);
    if (t.equals(loadedTime) && size == loadedSize) {
      return;
    }
    List<KeyRecord> records = read(Files.readAllBytes(file));
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

  private List<KeyRecord> read(byte[] bytes) throws IOException {
    JsonNode root;
    try {
      root = MAPPER.readTree(bytes);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      // not the parser's message: it quotes the file's content, and the error reaches config
      // checks (the admin port's /config/validate) whose caller must not read files this way
      throw new IOException(file + ": not an lmgate key store (not JSON)");
    }
    if (root == null || !FORMAT.equals(root.path("format").asText())) {
      throw new IOException(file + ": not an lmgate key store (format: " + FORMAT + ")");
    }
    List<KeyRecord> out = new ArrayList<>();
    for (JsonNode k : root.path("keys")) {
      out.add(
          new KeyRecord(
              k.path("id").asText(),
              k.path("name").asText(),
              k.path("owner").asText(),
              strings(k.path("roles")),
              strings(k.path("scopes")),
              Instant.parse(k.path("created").asText()),
              instant(k.path("expires")),
              instant(k.path("revoked")),
              k.path("replaced-by").isTextual() ? k.path("replaced-by").asText() : null,
              k.path("salt").asText(),
              k.path("hash").asText()));
    }
    return out;
  }

  private static List<String> strings(JsonNode n) {
    List<String> l = new ArrayList<>();
    n.forEach(v -> l.add(v.asText()));
    return l;
  }

  private static Instant instant(JsonNode n) {
    return n.isTextual() ? Instant.parse(n.asText()) : null;
  }

  // ------------------------------------------------------------------ writing

  @Override
  public KeyRecord add(KeyRecord record, String secret) {
    byte[] salt = new byte[16];
    RANDOM.nextBytes(salt);
    KeyRecord stored =
        new KeyRecord(
            record.id(),
            record.name(),
            record.owner(),
            record.roles(),
            record.scopes(),
            record.created(),
            record.expires(),
            record.revoked(),
            record.replacedBy(),
            Base64.getEncoder().encodeToString(salt),
            Base64.getEncoder().encodeToString(hash(salt, secret)));
    update(
        l -> {
          if (l.stream().anyMatch(r -> r.id().equals(stored.id()))) {
            throw new IllegalStateException("key id " + stored.id() + " exists");
          }
          List<KeyRecord> n = new ArrayList<>(l);
          n.add(stored);
          return n;
        });
    return stored;
  }

  /**
   * Reads the file, applies {@code change} and writes the result, all under the write lock: a
   * writer in another process or thread waits, then applies its change to this one's result.
   */
  @Override
  public void update(UnaryOperator<List<KeyRecord>> change) {
    try {
      withWriteLock(
          file,
          () -> {
            List<KeyRecord> current =
                Files.exists(file) ? read(Files.readAllBytes(file)) : List.of();
            write(change.apply(current));
          });
      refresh();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void write(List<KeyRecord> records) throws IOException {
    ObjectNode root = MAPPER.createObjectNode().put("format", FORMAT);
    ArrayNode keys = root.putArray("keys");
    for (KeyRecord r : records) {
      ObjectNode k = keys.addObject();
      k.put("id", r.id()).put("name", r.name()).put("owner", r.owner());
      r.roles().forEach(k.putArray("roles")::add);
      r.scopes().forEach(k.putArray("scopes")::add);
      k.put("created", r.created().toString());
      k.put("expires", r.expires() == null ? null : r.expires().toString());
      k.put("revoked", r.revoked() == null ? null : r.revoked().toString());
      k.put("replaced-by", r.replacedBy());
      k.put("salt", r.salt()).put("hash", r.hash());
    }
    replaceOwnerOnly(file, MAPPER.writeValueAsBytes(root));
  }

  @Override
  public void close() {
    if (poller != null) {
      poller.shutdownNow();
    }
  }
}
