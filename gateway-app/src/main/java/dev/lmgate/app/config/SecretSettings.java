package dev.lmgate.app.config;

import dev.lmgate.secrets.AzureKeyVaultProvider;
import dev.lmgate.secrets.GcpSecretManagerProvider;
import dev.lmgate.secrets.Secrets;
import dev.lmgate.secrets.VaultProvider;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The {@code secrets:} section.
 *
 * @param refresh how often every resolved secret is re-read
 * @param awsRegion AWS region for {@code aws-sm:} references, or {@code null} for the SDK's chain
 * @param awsEndpoint endpoint override for Secrets Manager (VPC endpoint, emulator), or {@code
 *     null}
 * @param vaultAddress Vault's address for {@code vault:} references, or {@code null}
 * @param vaultNamespace Vault Enterprise namespace, or {@code null}
 * @param vaultTokenFile a file holding a Vault token ({@code VAULT_TOKEN} otherwise), or {@code
 *     null}
 * @param vaultRoleId AppRole role id (then {@code vaultSecretIdFile} holds the secret id), or
 *     {@code null}
 * @param vaultSecretIdFile AppRole secret id file, or {@code null}
 * @param azure Key Vault URL template and managed identity for {@code azure-kv:} references
 * @param gcp Secret Manager endpoint for {@code gcp-sm:} references
 * @param allowPlainValues whether settings that hold secrets may hold plain values (development)
 */
public record SecretSettings(
    Duration refresh,
    String awsRegion,
    URI awsEndpoint,
    URI vaultAddress,
    String vaultNamespace,
    Path vaultTokenFile,
    String vaultRoleId,
    Path vaultSecretIdFile,
    AzureKeyVaultProvider.Settings azure,
    GcpSecretManagerProvider.Settings gcp,
    boolean allowPlainValues) {

  /** No {@code secrets:} section. */
  public static final SecretSettings DEFAULTS =
      new SecretSettings(Duration.ofMinutes(5), null, null);

  public SecretSettings(Duration refresh, String awsRegion, URI awsEndpoint) {
    this(
        refresh,
        awsRegion,
        awsEndpoint,
        null,
        null,
        null,
        null,
        null,
        AzureKeyVaultProvider.Settings.DEFAULT,
        GcpSecretManagerProvider.Settings.DEFAULT,
        false);
  }

  /** The secret managers' settings; the Vault token is read when Vault is first used. */
  public Secrets.Managers managers(Function<String, String> env) {
    VaultProvider.Settings vault = null;
    if (vaultAddress != null) {
      Supplier<String> token =
          vaultTokenFile != null
              ? () -> readQuietly(vaultTokenFile)
              : () -> env.apply("VAULT_TOKEN");
      vault =
          new VaultProvider.Settings(
              vaultAddress, vaultNamespace, token, vaultRoleId, vaultSecretIdFile);
    }
    return new Secrets.Managers(awsRegion, awsEndpoint, vault, azure, gcp);
  }

  /** A token file's content, or null (the provider then reports that it has no token). */
  private static String readQuietly(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return null;
    }
  }
}
