package dev.lmgate.secrets;

import dev.lmgate.spi.Secret;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves secret references through their providers and keeps them fresh: each resolved secret is
 * re-fetched every {@code refresh} on this registry's own thread (never an event loop). A failed
 * refresh keeps the last good value, is logged (with the reference, never the value) and reported
 * to the failure listener; the first resolution must succeed, so a gateway never starts with a
 * secret it cannot read.
 */
public final class Secrets implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Secrets.class);

  private final Map<String, SecretProvider> providers;
  private final Duration refresh;
  private final BiConsumer<SecretRef, IOException> onFailure;
  private final Map<SecretRef, RefreshingSecret> resolved = new ConcurrentHashMap<>();
  private final ScheduledExecutorService refresher =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "lmgate-secrets-refresh");
            t.setDaemon(true);
            return t;
          });

  public Secrets(
      List<SecretProvider> providers,
      Duration refresh,
      BiConsumer<SecretRef, IOException> onFailure) {
    this.providers =
        providers.stream().collect(Collectors.toMap(SecretProvider::scheme, Function.identity()));
    this.refresh = refresh;
    this.onFailure = onFailure;
    refresher.scheduleWithFixedDelay(
        this::refreshAll, refresh.toMillis(), refresh.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The built-in providers: environment variables and files. */
  public static Secrets local(Function<String, String> env, Duration refresh) {
    return new Secrets(
        List.of(new EnvSecretProvider(env), new FileSecretProvider()), refresh, (ref, e) -> {});
  }

  /**
   * Where the secret managers are.
   *
   * @param awsRegion AWS region, or {@code null} for the SDK's default chain
   * @param awsEndpoint AWS endpoint override, or {@code null}
   * @param vault Vault's address and authentication, or {@code null} when not configured
   * @param azure where Azure Key Vaults are and which identity reads them
   * @param gcp GCP Secret Manager's endpoint
   */
  public record Managers(
      String awsRegion,
      java.net.URI awsEndpoint,
      VaultProvider.Settings vault,
      AzureKeyVaultProvider.Settings azure,
      GcpSecretManagerProvider.Settings gcp) {
    public static final Managers NONE =
        new Managers(
            null,
            null,
            null,
            AzureKeyVaultProvider.Settings.DEFAULT,
            GcpSecretManagerProvider.Settings.DEFAULT);
  }

  /**
   * Environment variables, files, AWS Secrets Manager, Vault, Azure Key Vault and GCP Secret
   * Manager; each manager's SDK is loaded and set up only when a reference first names it.
   */
  public static Secrets create(
      Function<String, String> env,
      Duration refresh,
      Managers managers,
      BiConsumer<SecretRef, IOException> onFailure) {
    List<SecretProvider> providers = new java.util.ArrayList<>();
    providers.add(new EnvSecretProvider(env));
    providers.add(new FileSecretProvider());
    providers.add(literals());
    providers.add(
        new LazyProvider(
            "aws-sm",
            () ->
                AwsSecretsManagerProvider.create(
                    managers.awsRegion(), managers.awsEndpoint(), null)));
    if (managers.vault() != null) {
      providers.add(new LazyProvider("vault", () -> new VaultProvider(managers.vault())));
    }
    providers.add(new LazyProvider("azure-kv", () -> new AzureKeyVaultProvider(managers.azure())));
    providers.add(new LazyProvider("gcp-sm", () -> new GcpSecretManagerProvider(managers.gcp())));
    return new Secrets(providers, refresh, onFailure);
  }

  /** {@link SecretRef#literal} values: what the config holds (development only). */
  private static SecretProvider literals() {
    return new SecretProvider() {
      @Override
      public String scheme() {
        return SecretRef.LITERAL;
      }

      @Override
      public Secret fetch(SecretRef ref) {
        return Secret.of(ref.location());
      }
    };
  }

  /** Resolves a reference now (blocking); the same reference resolves to the same handle. */
  public RefreshingSecret resolve(SecretRef ref) throws IOException {
    RefreshingSecret existing = resolved.get(ref);
    if (existing != null) {
      return existing;
    }
    SecretProvider p = providers.get(ref.scheme());
    if (p == null) {
      throw new IOException(
          ref.scheme()
              + ": secrets are not available from this provider in this build (available: "
              + providers.keySet().stream().sorted().toList()
              + ")");
    }
    Secret first = p.fetch(ref);
    return resolved.computeIfAbsent(ref, r -> new RefreshingSecret(r, p, first));
  }

  /**
   * The earlier values a reference's store still keeps (newest first; see {@link
   * SecretProvider#previous}), read now (blocking).
   */
  public List<Secret> previous(SecretRef ref) throws IOException {
    SecretProvider p = providers.get(ref.scheme());
    return p == null ? List.of() : p.previous(ref);
  }

  /** Refreshes every resolved secret now (also what the background thread does). */
  public void refreshAll() {
    for (RefreshingSecret s : resolved.values()) {
      try {
        refreshOne(s);
      } catch (IOException e) {
        // reported by refreshOne; the next round tries again
      }
    }
  }

  /** Refreshes one secret, logging a change or reporting a failure (never the value). */
  private boolean refreshOne(RefreshingSecret s) throws IOException {
    try {
      boolean changed = s.refresh();
      if (changed) {
        log.info("secret {} changed: the new value is in use", s.ref());
      }
      return changed;
    } catch (IOException e) {
      log.warn(
          "secret {} could not be refreshed, the last good value stays: {}",
          s.ref(),
          e.getMessage());
      onFailure.accept(s.ref(), e);
      throw e;
    }
  }

  /**
   * Re-reads one secret now on this registry's thread; completes with whether it changed, or
   * exceptionally (the last good value stays) when it could not be read.
   */
  public java.util.concurrent.CompletableFuture<Boolean> refreshAsync(RefreshingSecret s) {
    java.util.concurrent.CompletableFuture<Boolean> f =
        new java.util.concurrent.CompletableFuture<>();
    try {
      refresher.execute(
          () -> {
            try {
              f.complete(refreshOne(s));
            } catch (IOException e) {
              f.completeExceptionally(e);
            }
          });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      f.completeExceptionally(e); // closing
    }
    return f;
  }

  public Duration refreshInterval() {
    return refresh;
  }

  @Override
  public void close() {
    refresher.shutdownNow();
    for (SecretProvider p : providers.values()) {
      if (p instanceof AutoCloseable c) {
        try {
          c.close();
        } catch (Exception e) {
          log.warn("closing the {} secret provider failed: {}", p.scheme(), e.toString());
        }
      }
    }
  }
}
