package dev.lmgate.filters.sensitive;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Pseudonyms for sensitive values, scoped to one exchange: within the request that minted them the
 * same e-mail in turn 1 and turn 5 of the conversation becomes the same placeholder, so the model
 * can reason about "the same person", and the answer to that request can be restored for the
 * client. Nothing minted for one exchange is ever revealed to another, even from the same caller:
 * callers sharing a key (a team's agent key) cannot have the model echo a placeholder and get
 * someone else's value back.
 *
 * <p>Placeholders are unguessable: {@code [EMAIL_k3x9q7m2ab4c]}, the category and {@value
 * #SUFFIX_LENGTH} random base-32 characters (60 bits) drawn per exchange, so a placeholder cannot
 * be predicted from another exchange's either. Values are held only encrypted (AES-256-GCM under a
 * key made at start and never written anywhere, the exchange and placeholder as associated data)
 * and looked up by an HMAC, not by the value. An exchange's pseudonyms are dropped when it ends
 * ({@link #forget}); {@code ttl} is the backstop for an exchange whose end is never seen.
 */
public final class PseudonymVault {
  private static final SecureRandom RANDOM = new SecureRandom();

  /** Random characters after the category: 12 of base 32, 60 bits. */
  public static final int SUFFIX_LENGTH = 12;

  /** Lower-case RFC 4648 base 32: no characters that read alike in a model's tokenizer output. */
  private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();

  /** The longest placeholder: {@code [SECRET_} + suffix + {@code ]}. */
  public static final int MAX_PLACEHOLDER_LENGTH = 1 + 6 + 1 + SUFFIX_LENGTH + 1;

  private final SecretKey key;
  private final SecretKey macKey;
  private final Duration ttl;
  private final Clock clock;
  private final Map<String, Session> sessions = new ConcurrentHashMap<>();

  /** One exchange's pseudonyms. Guarded by itself. */
  private static final class Session {
    final Map<String, String> placeholderByMac = new HashMap<>();
    final Map<String, byte[]> sealedByPlaceholder = new HashMap<>();
    Instant lastUsed;
  }

  public PseudonymVault(Duration ttl, Clock clock) {
    this.ttl = ttl;
    this.clock = clock;
    byte[] k = new byte[32];
    RANDOM.nextBytes(k);
    this.key = new SecretKeySpec(k, "AES");
    RANDOM.nextBytes(k);
    this.macKey = new SecretKeySpec(k, "HmacSHA256");
  }

  /**
   * The placeholder for {@code value} in the exchange {@code session}, e.g. {@code
   * [EMAIL_k3x9q7m2ab4c]}: the same value gets the same placeholder within the exchange.
   */
  public String pseudonym(String session, String category, String value) {
    Session s = sessions.computeIfAbsent(session, k -> new Session());
    String mac = mac(category + "\u0000" + value);
    synchronized (s) {
      s.lastUsed = clock.instant();
      String existing = s.placeholderByMac.get(mac);
      if (existing != null) {
        return existing;
      }
      String placeholder;
      do {
        placeholder = "[" + category + "_" + suffix() + "]";
      } while (s.sealedByPlaceholder.containsKey(placeholder));
      s.placeholderByMac.put(mac, placeholder);
      s.sealedByPlaceholder.put(placeholder, seal(value, session + placeholder));
      return placeholder;
    }
  }

  /**
   * The value behind a placeholder minted in this exchange, while the exchange lives; empty for a
   * placeholder minted anywhere else.
   */
  public Optional<String> reveal(String session, String placeholder) {
    Session s = sessions.get(session);
    if (s == null) {
      return Optional.empty();
    }
    synchronized (s) {
      if (expired(s)) {
        return Optional.empty();
      }
      byte[] sealed = s.sealedByPlaceholder.get(placeholder);
      s.lastUsed = clock.instant();
      return sealed == null ? Optional.empty() : Optional.of(open(sealed, session + placeholder));
    }
  }

  /** Drops an exchange's pseudonyms (it has ended: nothing can be restored for it any more). */
  public void forget(String session) {
    sessions.remove(session);
  }

  private static String suffix() {
    char[] c = new char[SUFFIX_LENGTH];
    for (int i = 0; i < c.length; i++) {
      c[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
    }
    return new String(c);
  }

  private volatile Instant lastSweep = Instant.EPOCH;

  /** Runs {@link #expire} when the last sweep is older than {@code every}. */
  public void expireEvery(Duration every) {
    Instant now = clock.instant();
    if (now.isAfter(lastSweep.plus(every))) {
      lastSweep = now;
      expire();
    }
  }

  /** Forgets exchanges unused for longer than the time to live. */
  public void expire() {
    sessions
        .entrySet()
        .removeIf(
            e -> {
              synchronized (e.getValue()) {
                return expired(e.getValue());
              }
            });
  }

  public int sessions() {
    return sessions.size();
  }

  private boolean expired(Session s) {
    return s.lastUsed != null && clock.instant().isAfter(s.lastUsed.plus(ttl));
  }

  private String mac(String s) {
    try {
      Mac m = Mac.getInstance("HmacSHA256");
      m.init(macKey);
      return HexFormat.of().formatHex(m.doFinal(s.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private byte[] seal(String value, String aad) {
    try {
      byte[] iv = new byte[12];
      RANDOM.nextBytes(iv);
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, iv));
      c.updateAAD(aad.getBytes(StandardCharsets.UTF_8));
      byte[] ct = c.doFinal(value.getBytes(StandardCharsets.UTF_8));
      return ByteBuffer.allocate(12 + ct.length).put(iv).put(ct).array();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private String open(byte[] sealed, String aad) {
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, sealed, 0, 12));
      c.updateAAD(aad.getBytes(StandardCharsets.UTF_8));
      return new String(c.doFinal(sealed, 12, sealed.length - 12), StandardCharsets.UTF_8);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
