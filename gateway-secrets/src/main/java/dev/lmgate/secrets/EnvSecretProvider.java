package dev.lmgate.secrets;

import dev.lmgate.spi.Secret;
import java.io.IOException;
import java.util.function.Function;

/** {@code env:NAME}: an environment variable (fixed for the life of the process). */
public final class EnvSecretProvider implements SecretProvider {
  private final Function<String, String> env;

  public EnvSecretProvider(Function<String, String> env) {
    this.env = env;
  }

  @Override
  public String scheme() {
    return "env";
  }

  @Override
  public Secret fetch(SecretRef ref) throws IOException {
    String v = env.apply(ref.location());
    if (v == null || v.isEmpty()) {
      throw new IOException("environment variable " + ref.location() + " is not set");
    }
    return JsonField.pick(ref, v);
  }
}
