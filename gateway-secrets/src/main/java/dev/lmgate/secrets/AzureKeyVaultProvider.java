package dev.lmgate.secrets;

import com.azure.core.credential.TokenCredential;
import com.azure.core.exception.ClientAuthenticationException;
import com.azure.core.exception.HttpResponseException;
import com.azure.core.exception.ResourceNotFoundException;
import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.security.keyvault.secrets.SecretClient;
import com.azure.security.keyvault.secrets.SecretClientBuilder;
import com.azure.security.keyvault.secrets.models.KeyVaultSecret;
import dev.lmgate.spi.Secret;
import java.io.IOException;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code azure-kv:VAULT/SECRET[/VERSION][#json-key]}: Azure Key Vault through the official SDK
 * ({@code azure-security-keyvault-secrets}) on the JDK's HTTP client, so the SDK's default Netty
 * 4.1 transport is never on the class path. Credentials come from {@code DefaultAzureCredential}
 * (environment, workload identity, managed identity — optionally a user-assigned one — Azure CLI).
 * Without a version the newest enabled version is read, so a new version written by a rotation
 * (Event Grid + Function, or by hand) is picked up at the next refresh. Least privilege: the
 * identity needs only the "Key Vault Secrets User" role on the one secret (docs/secrets.md).
 */
public final class AzureKeyVaultProvider implements SecretProvider {
  /** Azure's public and sovereign Key Vault domains, where the SDK's challenge check is kept. */
  private static final java.util.List<String> KEY_VAULT_DOMAINS =
      java.util.List.of(
          ".vault.azure.net",
          ".vault.azure.cn",
          ".vault.usgovcloudapi.net",
          ".vault.microsoftazure.de");

  /**
   * Where vaults are and who the gateway is.
   *
   * @param vaultUrl the vault URL, {@code {vault}} standing for the vault's name ({@code
   *     https://{vault}.vault.azure.net} by default); a URL without {@code {vault}} (a private
   *     endpoint, an emulator) is used for every vault
   * @param managedIdentityClientId the client id of a user-assigned managed identity, or {@code
   *     null} for the default chain
   */
  public record Settings(String vaultUrl, String managedIdentityClientId) {
    public static final String DEFAULT_VAULT_URL = "https://{vault}.vault.azure.net";
    public static final Settings DEFAULT = new Settings(DEFAULT_VAULT_URL, null);

    public Settings {
      if (vaultUrl == null) {
        vaultUrl = DEFAULT_VAULT_URL;
      }
      URI u = URI.create(vaultUrl.replace("{vault}", "vault"));
      if (!"https".equals(u.getScheme())) {
        throw new IllegalArgumentException(
            "secrets.azure.vault-url must be https (Key Vault sends its token only over TLS)");
      }
    }
  }

  private final Settings settings;
  private final HttpClient http;
  private final TokenCredential credential;
  private final Map<String, SecretClient> clients = new ConcurrentHashMap<>();

  /**
   * @param http the transport (the JDK's HTTP client by default)
   * @param credential the identity, or {@code null} for {@code DefaultAzureCredential}
   */
  public AzureKeyVaultProvider(Settings settings, HttpClient http, TokenCredential credential) {
    this.settings = settings;
    this.http = http != null ? http : new JdkHttpClientBuilder().build();
    this.credential = credential != null ? credential : defaultCredential(settings, this.http);
  }

  public AzureKeyVaultProvider(Settings settings) {
    this(settings, null, null);
  }

  private static TokenCredential defaultCredential(Settings settings, HttpClient http) {
    DefaultAzureCredentialBuilder b = new DefaultAzureCredentialBuilder().httpClient(http);
    if (settings.managedIdentityClientId() != null) {
      b.managedIdentityClientId(settings.managedIdentityClientId());
    }
    return b.build();
  }

  @Override
  public String scheme() {
    return "azure-kv";
  }

  @Override
  public Secret fetch(SecretRef ref) throws IOException {
    String[] parts = ref.location().split("/", -1);
    if (parts.length < 2 || parts.length > 3 || java.util.Arrays.asList(parts).contains("")) {
      throw new IOException("azure-kv: write VAULT/SECRET or VAULT/SECRET/VERSION, not " + ref);
    }
    String vault = parts[0];
    String name = parts[1];
    String version = parts.length == 3 ? parts[2] : null;
    KeyVaultSecret s;
    try {
      s = client(vault).getSecret(name, version);
    } catch (ResourceNotFoundException e) {
      throw new IOException("azure-kv: no secret " + name + " in vault " + vault);
    } catch (ClientAuthenticationException e) {
      throw new IOException("azure-kv: no Azure identity to read " + ref + ": " + e.getMessage());
    } catch (HttpResponseException e) {
      int status = e.getResponse() == null ? 0 : e.getResponse().getStatusCode();
      throw new IOException(
          status == 403
              ? "azure-kv: access to " + name + " in vault " + vault + " is denied"
              : "azure-kv: " + ref + ": HTTP " + status);
    } catch (RuntimeException e) {
      throw new IOException("azure-kv: " + ref + ": " + e.getMessage());
    }
    if (s.getValue() == null || s.getValue().isEmpty()) {
      throw new IOException("azure-kv: " + ref + " has no value");
    }
    if (s.getProperties() != null && Boolean.FALSE.equals(s.getProperties().isEnabled())) {
      throw new IOException("azure-kv: " + ref + " is disabled");
    }
    return JsonField.pick(ref, s.getValue());
  }

  private SecretClient client(String vault) {
    return clients.computeIfAbsent(
        vault,
        v -> {
          String url = settings.vaultUrl().replace("{vault}", v);
          SecretClientBuilder b =
              new SecretClientBuilder().vaultUrl(url).credential(credential).httpClient(http);
          String host = URI.create(url).getHost();
          if (KEY_VAULT_DOMAINS.stream().noneMatch(host::endsWith)) {
            // A private endpoint or emulator answers its challenge for a Key Vault resource on
            // another domain; the operator named this URL, so trust it to ask for the token.
            b.disableChallengeResourceVerification();
          }
          return b.buildClient();
        });
  }
}
