package dev.lmgate.audit.checkpoint;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The public half of a {@link SigningKey}, in the C2SP signed-note verifier-key encoding {@code
 * <name>+<8 hex key hash>+<base64(0x01 || 32-byte Ed25519 key)>}. Publish it; {@code lmgate audit
 * verify --key} takes it so that a verifier does not trust a key found next to the log.
 */
public final class VerifierKey {
  private static final byte ED25519 = 0x01;
  private static final byte[] X509_ED25519_PREFIX = {
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00
  };

  private final String name;
  private final byte[] raw;
  private final byte[] keyHash;
  private final PublicKey key;

  VerifierKey(String name, byte[] raw) {
    if (name.isEmpty() || name.contains("+") || name.chars().anyMatch(c -> c <= ' ')) {
      throw new IllegalArgumentException("a key name is non-empty, without spaces or '+'");
    }
    this.name = name;
    this.raw = raw.clone();
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      d.update(name.getBytes(StandardCharsets.UTF_8));
      d.update((byte) '\n');
      d.update(ED25519);
      d.update(raw);
      this.keyHash = Arrays.copyOf(d.digest(), 4);
      byte[] x509 = Arrays.copyOf(X509_ED25519_PREFIX, 44);
      System.arraycopy(raw, 0, x509, 12, 32);
      this.key = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(x509));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("not an Ed25519 public key", e);
    }
  }

  /** Parses {@code name+hash+base64}; throws {@link IllegalArgumentException} when malformed. */
  public static VerifierKey parse(String encoded) {
    String[] f = encoded.trim().split("\\+", 3); // base64 may contain '+'
    if (f.length != 3) {
      throw new IllegalArgumentException("a verifier key is name+hash+key");
    }
    byte[] k;
    try {
      k = Base64.getDecoder().decode(f[2]);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the verifier key is not base64");
    }
    if (k.length != 33 || k[0] != ED25519) {
      throw new IllegalArgumentException("the verifier key is not an Ed25519 key");
    }
    VerifierKey v = new VerifierKey(f[0], Arrays.copyOfRange(k, 1, 33));
    if (!v.keyHashHex().equals(f[1])) {
      throw new IllegalArgumentException("the verifier key's hash does not match its key");
    }
    return v;
  }

  public String name() {
    return name;
  }

  byte[] keyHash() {
    return keyHash.clone();
  }

  String keyHashHex() {
    return HexFormat.of().formatHex(keyHash);
  }

  public String encoded() {
    byte[] k = new byte[33];
    k[0] = ED25519;
    System.arraycopy(raw, 0, k, 1, 32);
    return name + "+" + keyHashHex() + "+" + Base64.getEncoder().encodeToString(k);
  }

  /**
   * The body of a signed note when this key signed it; empty when the note is malformed or carries
   * no valid signature by this key (other signers' lines are ignored).
   */
  public Optional<String> open(String note) {
    int split = note.lastIndexOf("\n\n");
    if (split < 0) {
      return Optional.empty();
    }
    String body = note.substring(0, split + 1);
    String sigs = note.substring(split + 2);
    if (!sigs.endsWith("\n")) {
      return Optional.empty();
    }
    for (String line : sigs.substring(0, sigs.length() - 1).split("\n", -1)) {
      if (!line.startsWith("\u2014 ")) {
        return Optional.empty();
      }
      String[] f = line.substring(2).split(" ", -1);
      if (f.length != 2 || !f[0].equals(name)) {
        continue;
      }
      byte[] both;
      try {
        both = Base64.getDecoder().decode(f[1]);
      } catch (IllegalArgumentException e) {
        return Optional.empty();
      }
      if (both.length != 68 || !MessageDigest.isEqual(Arrays.copyOf(both, 4), keyHash)) {
        continue;
      }
      try {
        Signature s = Signature.getInstance("Ed25519");
        s.initVerify(key);
        s.update(body.getBytes(StandardCharsets.UTF_8));
        if (s.verify(Arrays.copyOfRange(both, 4, 68))) {
          return Optional.of(body);
        }
      } catch (GeneralSecurityException e) {
        return Optional.empty();
      }
    }
    return Optional.empty();
  }

  /**
   * The body of a note signed by any of {@code keys}: the current verifier key and those of signing
   * keys it replaced, so checkpoints signed before a key rotation keep verifying.
   */
  public static Optional<String> openWithAny(java.util.List<VerifierKey> keys, String note) {
    for (VerifierKey k : keys) {
      Optional<String> body = k.open(note);
      if (body.isPresent()) {
        return body;
      }
    }
    return Optional.empty();
  }

  /**
   * Parses verifier keys one per line (blank lines and {@code #} comments skipped): the format of
   * the {@code verifier.key} file, the current key first.
   */
  public static java.util.List<VerifierKey> parseAll(String text) {
    java.util.List<VerifierKey> keys = new java.util.ArrayList<>();
    for (String line : text.split("\\R")) {
      String l = line.strip();
      if (!l.isEmpty() && !l.startsWith("#")) {
        keys.add(parse(l));
      }
    }
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("no verifier key");
    }
    return keys;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof VerifierKey v && name.equals(v.name) && Arrays.equals(raw, v.raw);
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + Arrays.hashCode(raw);
  }

  @Override
  public String toString() {
    return encoded();
  }
}
