package dev.lmgate.secrets;

import dev.lmgate.spi.Secret;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code file:PATH}: a file's content, minus one trailing newline — the way Docker and Kubernetes
 * mount secrets. Every refresh re-reads it, so a rotated file is picked up without a restart.
 */
public final class FileSecretProvider implements SecretProvider {
  @Override
  public String scheme() {
    return "file";
  }

  @Override
  public Secret fetch(SecretRef ref) throws IOException {
    String v = Files.readString(Path.of(ref.location()), StandardCharsets.UTF_8);
    if (v.endsWith("\r\n")) {
      v = v.substring(0, v.length() - 2);
    } else if (v.endsWith("\n")) {
      v = v.substring(0, v.length() - 1);
    }
    if (v.isEmpty()) {
      throw new IOException(ref.location() + " is empty");
    }
    return JsonField.pick(ref, v);
  }
}
