package dev.lmgate.secrets;

import dev.lmgate.spi.Secret;
import java.io.IOException;
import java.util.function.Supplier;

/**
 * A provider built on first use, so that a secret manager's SDK is neither loaded nor configured
 * (no credential lookup, no client threads) unless a reference actually names it.
 */
final class LazyProvider implements SecretProvider, AutoCloseable {
  private final String scheme;
  private final Supplier<SecretProvider> factory;
  private volatile SecretProvider delegate;

  LazyProvider(String scheme, Supplier<SecretProvider> factory) {
    this.scheme = scheme;
    this.factory = factory;
  }

  @Override
  public String scheme() {
    return scheme;
  }

  @Override
  public Secret fetch(SecretRef ref) throws IOException {
    return provider().fetch(ref);
  }

  @Override
  public java.util.List<Secret> previous(SecretRef ref) throws IOException {
    return provider().previous(ref);
  }

  private SecretProvider provider() throws IOException {
    SecretProvider p = delegate;
    if (p == null) {
      synchronized (this) {
        if (delegate == null) {
          try {
            delegate = factory.get();
          } catch (RuntimeException e) {
            throw new IOException(
                scheme + ": the provider could not be set up: " + e.getMessage(), e);
          }
        }
        p = delegate;
      }
    }
    return p;
  }

  @Override
  public void close() throws Exception {
    if (delegate instanceof AutoCloseable c) {
      c.close();
    }
  }
}
