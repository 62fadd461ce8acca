package dev.lmgate.audit.crypto;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BinaryNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lmgate.audit.checkpoint.FilePermissions;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * Payload encryption with one AES-256 key per UTC day and retention class, each stored in {@code
 * keys/<day>.<class>.key} wrapped (AES-256-GCM) by the {@link MasterKey}. Retention destroys a
 * day's key file: the payloads sealed with it become unreadable while the records, their hashes and
 * every proof stay verifiable (crypto-shredding).
 *
 * <p>A sealed payload is {@code {"alg":"A256GCM","key":"<day>.<class>","ct":"<base64 nonce ||
 * ciphertext>"}}; its associated data is {@code <request id>/<field>}, so a ciphertext moved to
 * another record or field does not open.
 */
public final class PeriodKeys {
  private static final Pattern FILE =
      Pattern.compile("(\\d{4}-\\d{2}-\\d{2})\\.([a-z][a-z0-9-]*)\\.key");
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path dir;
  private final MasterKey master;
  private final List<MasterKey> previous;
  private final Map<String, SecretKey> cache = new ConcurrentHashMap<>();

  public PeriodKeys(Path dir, MasterKey master) throws IOException {
    this(dir, master, List.of());
  }

  /**
   * @param master wraps new day keys and is tried first when unwrapping
   * @param previous master keys rotated out: day keys they wrapped still open (a master key
   *     rotation never makes old payloads unreadable; retention does)
   */
  public PeriodKeys(Path dir, MasterKey master, List<MasterKey> previous) throws IOException {
    this.dir = FilePermissions.directory(dir);
    this.master = master;
    this.previous = List.copyOf(previous);
  }

  /** The key id for a time and class, e.g. {@code 2026-11-25.operational}. */
  public static String keyId(Instant time, String retentionClass) {
    return LocalDate.ofInstant(time, ZoneOffset.UTC) + "." + retentionClass;
  }

  /** Encrypts {@code plain} under the key of {@code time}'s day and class (created when needed). */
  public ObjectNode seal(String context, byte[] plain, Instant time, String retentionClass)
      throws IOException {
    String id = keyId(time, retentionClass);
    SecretKey k = cache.get(id);
    if (k == null) {
      k = loadOrCreate(id);
    }
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("alg", "A256GCM");
    n.put("key", id);
    // written as base64 (standard alphabet, padded: what open() decodes) straight from the bytes
    // when the record is encoded, instead of through a String whose every character the JSON
    // writer would then check for escaping
    n.set("ct", BinaryNode.valueOf(Aead.seal(k, plain, context.getBytes(StandardCharsets.UTF_8))));
    return n;
  }

  /**
   * Makes sure the keys for {@code time}'s day exist, so that sealing never writes a key file (and
   * syncs it) on the caller's thread. The audit trail calls it hourly, for today and tomorrow.
   */
  public void prepare(Instant time, Iterable<String> retentionClasses) throws IOException {
    for (String cls : retentionClasses) {
      String id = keyId(time, cls);
      if (!cache.containsKey(id)) {
        loadOrCreate(id);
      }
    }
  }

  /**
   * Decrypts a sealed payload; empty when its key was destroyed by retention. Throws {@link
   * GeneralSecurityException} when the ciphertext, its context or the key file was altered.
   */
  public Optional<byte[]> open(String context, JsonNode sealed)
      throws IOException, GeneralSecurityException {
    String id = sealed.path("key").asText("");
    if (!FILE.matcher(id + ".key").matches() || !"A256GCM".equals(sealed.path("alg").asText())) {
      throw new GeneralSecurityException("not a sealed payload");
    }
    Path f = dir.resolve(id + ".key");
    if (!Files.exists(f)) { // destroyed, perhaps by another process: never serve it from memory
      cache.remove(id);
      return Optional.empty();
    }
    SecretKey k = cache.get(id);
    if (k == null) {
      k = unwrap(id, Files.readString(f, StandardCharsets.UTF_8));
      cache.put(id, k);
    }
    byte[] ct;
    try {
      ct = Base64.getDecoder().decode(sealed.path("ct").asText(""));
    } catch (IllegalArgumentException e) {
      throw new GeneralSecurityException("ciphertext is not base64");
    }
    return Optional.of(Aead.open(k, ct, context.getBytes(StandardCharsets.UTF_8)));
  }

  private synchronized SecretKey loadOrCreate(String id) throws IOException {
    SecretKey k = cache.get(id);
    if (k != null) {
      return k;
    }
    Path f = dir.resolve(id + ".key");
    if (Files.exists(f)) {
      try {
        k = unwrap(id, Files.readString(f, StandardCharsets.UTF_8));
      } catch (GeneralSecurityException e) {
        throw new IOException(f + " does not open with the master key", e);
      }
    } else {
      byte[] raw = new byte[32];
      RANDOM.nextBytes(raw);
      k = new SecretKeySpec(raw, "AES");
      byte[] wrapped = Aead.seal(master.key(), raw, aad(id));
      java.util.Arrays.fill(raw, (byte) 0);
      Path tmp = FilePermissions.tempFile(dir, ".key");
      try {
        // durable before any payload sealed with it
        FilePermissions.writeDurably(
            tmp,
            (Base64.getEncoder().encodeToString(wrapped) + "\n")
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE);
        FilePermissions.syncDirectory(dir);
      } finally {
        Files.deleteIfExists(tmp);
      }
    }
    cache.put(id, k);
    return k;
  }

  private SecretKey unwrap(String id, String text) throws GeneralSecurityException {
    byte[] sealed;
    try {
      sealed = Base64.getDecoder().decode(text.strip());
    } catch (IllegalArgumentException e) {
      throw new GeneralSecurityException("key file is not base64");
    }
    try {
      return new SecretKeySpec(Aead.open(master.key(), sealed, aad(id)), "AES");
    } catch (GeneralSecurityException current) {
      for (MasterKey old : previous) {
        try {
          return new SecretKeySpec(Aead.open(old.key(), sealed, aad(id)), "AES");
        } catch (GeneralSecurityException e) {
          // not this one either
        }
      }
      throw current;
    }
  }

  private static byte[] aad(String id) {
    return ("lmgate-audit-period-key/" + id).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Destroys the keys of every day that ended before {@code now - retention} of its class; returns
   * the ids destroyed. Classes without a retention entry are kept.
   */
  public List<String> shred(Instant now, Map<String, java.time.Duration> retention)
      throws IOException {
    List<String> destroyed = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.key")) {
      for (Path f : files) {
        Matcher m = FILE.matcher(f.getFileName().toString());
        if (!m.matches() || !retention.containsKey(m.group(2))) {
          continue;
        }
        Instant dayEnd =
            LocalDate.parse(m.group(1)).plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        if (dayEnd.plus(retention.get(m.group(2))).isAfter(now)) {
          continue;
        }
        String id = m.group(1) + "." + m.group(2);
        overwrite(f);
        Files.delete(f);
        cache.remove(id);
        destroyed.add(id);
      }
    }
    if (!destroyed.isEmpty()) {
      FilePermissions.syncDirectory(dir);
    }
    destroyed.sort(null);
    return destroyed;
  }

  /**
   * Best effort: on copy-on-write or flash storage old blocks may survive; the wrap still holds.
   */
  private static void overwrite(Path f) throws IOException {
    long size = Files.size(f);
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.allocate((int) Math.min(size, 4096)));
      ch.force(true);
    }
  }
}
