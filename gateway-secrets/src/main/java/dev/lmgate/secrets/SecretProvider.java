package dev.lmgate.secrets;

import dev.lmgate.spi.Secret;
import java.io.IOException;

/** Fetches secrets of one scheme. Called off the event loop; may block. */
public interface SecretProvider {
  String scheme();

  /** The current value; an {@link IOException} when it cannot be read now. */
  Secret fetch(SecretRef ref) throws IOException;
}
