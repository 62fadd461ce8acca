package dev.lmgate.secrets;

import dev.lmgate.spi.Secret;
import java.io.IOException;

/** Fetches secrets of one scheme. Called off the event loop; may block. */
public interface SecretProvider {
  String scheme();

  /** The current value; an {@link IOException} when it cannot be read now. */
  Secret fetch(SecretRef ref) throws IOException;

  /**
   * The values the secret had before the current one that the store still keeps as valid, newest
   * first — for keys the gateway decrypts or verifies with, so that data made under them stays
   * readable after a rotation. Empty where the store keeps no history (or it is not read).
   */
  default java.util.List<Secret> previous(SecretRef ref) throws IOException {
    return java.util.List.of();
  }
}
