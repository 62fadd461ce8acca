package dev.lmgate.audit.crypto;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/** AES-256-GCM with a random 96-bit nonce and a 128-bit tag; the output is nonce || ciphertext. */
final class Aead {
  static final int NONCE = 12;

  // Per thread: the event loops seal concurrently, and a shared generator or a provider lookup per
  // call costs more than the encryption of a typical payload.
  private static final ThreadLocal<SecureRandom> RANDOM =
      ThreadLocal.withInitial(
          () -> {
            try {
              return SecureRandom.getInstance("DRBG");
            } catch (java.security.NoSuchAlgorithmException e) {
              return new SecureRandom();
            }
          });
  private static final ThreadLocal<Cipher> CIPHER =
      ThreadLocal.withInitial(
          () -> {
            try {
              return Cipher.getInstance("AES/GCM/NoPadding");
            } catch (GeneralSecurityException e) {
              throw new IllegalStateException("AES-GCM is required by every JDK", e);
            }
          });

  private Aead() {}

  static byte[] seal(SecretKey key, byte[] plain, byte[] aad) {
    byte[] nonce = new byte[NONCE];
    RANDOM.get().nextBytes(nonce);
    try {
      Cipher c = CIPHER.get();
      c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
      c.updateAAD(aad);
      byte[] ct = c.doFinal(plain);
      byte[] out = Arrays.copyOf(nonce, NONCE + ct.length);
      System.arraycopy(ct, 0, out, NONCE, ct.length);
      return out;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is required by every JDK", e);
    }
  }

  /** Opens what {@link #seal} made; throws {@link GeneralSecurityException} when it was altered. */
  static byte[] open(SecretKey key, byte[] sealed, byte[] aad) throws GeneralSecurityException {
    if (sealed.length < NONCE + 16) {
      throw new javax.crypto.AEADBadTagException("too short");
    }
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
    c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, sealed, 0, NONCE));
    c.updateAAD(aad);
    return c.doFinal(sealed, NONCE, sealed.length - NONCE);
  }
}
