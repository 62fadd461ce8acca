package dev.lmgate.filters.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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
 * changed, so the CLI's revocations reach a running gateway within a second. Writers take an
 * exclusive lock on {@code <store>.lock} and replace the file atomically.
 */
public final class FileKeyStore implements KeyStore {
  private static final Logger log = LoggerFactory.getLogger(FileKeyStore.class);
  static final String FORMAT = "lmgate-keys/1";
  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final long POLL_MILLIS = 250;

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

  private FileKeyStore(
      Path file, String configuredPepper, byte[] pepper, List<byte[]> previousPeppers) {
    this.file = file;
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
    List<byte[]> previous = new java.util.ArrayList<>();
    for (String p : previousPeppers) {
      if (p.length() < 32) {
        throw new IllegalArgumentException(
            "previous pepper: *** (expected: at least 32 characters)");
      }
      previous.add(p.getBytes(StandardCharsets.UTF_8));
    }
    FileKeyStore s =
        new FileKeyStore(file, pepper, pepperBytes(file, pepper, !watch), List.copyOf(previous));
    s.refresh();
    if (watch) {
      s.poller =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "lmgate-key-store");
                t.setDaemon(true);
                return t;
              });
      s.poller.scheduleWithFixedDelay(
          s::refreshQuietly, POLL_MILLIS, POLL_MILLIS, TimeUnit.MILLISECONDS);
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
    return open(file, configuredPepper, false);
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
      byte[] raw = new byte[32];
      RANDOM.nextBytes(raw);
      Files.createDirectories(p.toAbsolutePath().getParent());
      try {
        Files.write(p, Base64.getEncoder().encode(raw), StandardOpenOption.CREATE_NEW);
        ownerOnly(p);
      } catch (FileAlreadyExistsException raced) {
        // another process created it first: use theirs
      }
    }
    String text = Files.readString(p, StandardCharsets.US_ASCII).trim();
    if (text.length() < 32) {
      throw new IllegalArgumentException(
          p + ": pepper too short (expected: at least 32 characters)");
    }
    return text.getBytes(StandardCharsets.US_ASCII);
  }

  private static void ownerOnly(Path p) throws IOException {
    try {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException notPosix) {
      // not a POSIX file system: the directory's permissions apply
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

  /** The watcher's refresh: a broken file is reported once per distinct error, not every poll. */
  private void refreshQuietly() {
    try {
      refresh();
      lastError = null;
    } catch (IOException | RuntimeException e) {
      if (!e.toString().equals(lastError)) {
        lastError = e.toString();
        log.error("key store {} unreadable, the previous keys stay in force: {}", file, lastError);
      }
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

  @Override
  public void update(UnaryOperator<List<KeyRecord>> change) {
    Path lock = file.resolveSibling(file.getFileName() + ".lock");
    try {
      Path dir = file.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      try (FileChannel ch =
              FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock ignored = ch.lock()) {
        List<KeyRecord> current = Files.exists(file) ? read(Files.readAllBytes(file)) : List.of();
        write(change.apply(current));
      }
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
    Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".lmgate-keys", ".tmp");
    try {
      ownerOnly(tmp);
      Files.write(tmp, MAPPER.writeValueAsBytes(root));
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  @Override
  public void close() {
    if (poller != null) {
      poller.shutdownNow();
    }
  }
}
