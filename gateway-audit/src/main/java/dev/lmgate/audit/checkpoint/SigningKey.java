package dev.lmgate.audit.checkpoint;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * The Ed25519 key that signs checkpoints as C2SP signed notes. A signed note is the body, a blank
 * line, and one line per signature: {@code — <name> <base64(key hash || signature)>}, where the key
 * hash is the first four bytes of {@code SHA-256(name || "\n" || 0x01 || public key)}.
 *
 * <p>On disk (mode 0600) the key is two lines: {@code PRIVATE+KEY+<name>+<hash>+<base64 PKCS#8>}
 * and the verifier key ({@link VerifierKey#encoded()}). It never appears in logs or records.
 */
public final class SigningKey {
  private final PrivateKey key;
  private final VerifierKey verifier;
  private final List<VerifierKey> previous;

  private SigningKey(PrivateKey key, VerifierKey verifier) {
    this(key, verifier, List.of());
  }

  private SigningKey(PrivateKey key, VerifierKey verifier, List<VerifierKey> previous) {
    this.key = key;
    this.verifier = verifier;
    this.previous = List.copyOf(previous);
  }

  /**
   * This key, also accepting checkpoints signed by the keys it replaced (their verifier keys), so
   * that a rotated signing key does not make the log's older checkpoints unverifiable.
   */
  public SigningKey withPreviousVerifiers(List<VerifierKey> keys) {
    return new SigningKey(key, verifier, keys);
  }

  /** The current verifier key, then those of the keys it replaced. */
  public List<VerifierKey> verifiers() {
    List<VerifierKey> all = new java.util.ArrayList<>();
    all.add(verifier);
    previous.stream().filter(v -> !v.equals(verifier)).forEach(all::add);
    return List.copyOf(all);
  }

  /** The body of a note signed by this key or one it replaced; empty otherwise. */
  public java.util.Optional<String> open(String note) {
    return VerifierKey.openWithAny(verifiers(), note);
  }

  /** A new random key named {@code name} (the log's origin). */
  public static SigningKey generate(String name) {
    try {
      KeyPair kp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
      byte[] x509 = kp.getPublic().getEncoded(); // 12-byte header, then the 32-byte key
      byte[] raw = Arrays.copyOfRange(x509, x509.length - 32, x509.length);
      return new SigningKey(kp.getPrivate(), new VerifierKey(name, raw));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 is required (JDK 15+)", e);
    }
  }

  /**
   * Loads a key file, or creates one when it does not exist: owner-only (0600) from its creation,
   * durable, never replacing a key another process created meanwhile.
   */
  public static SigningKey loadOrCreate(Path file, String name) throws IOException {
    if (Files.exists(file)) {
      return load(file);
    }
    SigningKey k = generate(name);
    if (!FilePermissions.createSecret(file, k.encoded().getBytes(StandardCharsets.UTF_8))) {
      return load(file); // another process created it first: sign with theirs
    }
    return k;
  }

  /** Reads a key file; a damaged file or a mismatched key pair is an {@link IOException}. */
  public static SigningKey load(Path file) throws IOException {
    return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
  }

  /**
   * Reads a key from the text of a key file (e.g. kept in a secret manager).
   *
   * @param source where the text came from, for error messages (never the text itself)
   */
  public static SigningKey parse(String text, String source) throws IOException {
    List<String> lines = text.lines().toList();
    if (lines.size() < 2 || !lines.get(0).startsWith("PRIVATE+KEY+")) {
      throw new IOException(source + " is not an lmgate audit signing key");
    }
    try {
      String[] f = lines.get(0).split("\\+", 5); // base64 may contain '+'
      if (f.length != 5) {
        throw new IOException(source + " is not an lmgate audit signing key");
      }
      byte[] pkcs8 = Base64.getDecoder().decode(f[4]);
      PrivateKey pk =
          KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
      VerifierKey v = VerifierKey.parse(lines.get(1).trim());
      SigningKey k = new SigningKey(pk, v);
      String probe = "lmgate key check\n";
      if (v.open(k.sign(probe)).isEmpty()) {
        throw new IOException(source + ": the private and public keys do not belong together");
      }
      return k;
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IOException(source + " is not a valid Ed25519 signing key", e);
    }
  }

  public VerifierKey verifier() {
    return verifier;
  }

  /** Signs a note body (which must end in a newline) and returns the whole signed note. */
  public String sign(String body) {
    if (!body.endsWith("\n")) {
      throw new IllegalArgumentException("a note body ends with a newline");
    }
    try {
      Signature s = Signature.getInstance("Ed25519");
      s.initSign(key);
      s.update(body.getBytes(StandardCharsets.UTF_8));
      byte[] sig = s.sign();
      byte[] both = new byte[4 + sig.length];
      System.arraycopy(verifier.keyHash(), 0, both, 0, 4);
      System.arraycopy(sig, 0, both, 4, sig.length);
      return body
          + "\n"
          + "\u2014 "
          + verifier.name()
          + " "
          + Base64.getEncoder().encodeToString(both)
          + "\n";
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 signing failed", e);
    }
  }

  private String encoded() {
    byte[] pkcs8 = key.getEncoded();
    return "PRIVATE+KEY+"
        + verifier.name()
        + "+"
        + verifier.keyHashHex()
        + "+"
        + Base64.getEncoder().encodeToString(pkcs8)
        + "\n"
        + verifier.encoded()
        + "\n";
  }

  @Override
  public String toString() {
    return "SigningKey[" + verifier.encoded() + ", private ***]";
  }
}
