package dev.lmgate.secrets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lmgate.spi.Secret;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * {@code vault:MOUNT/PATH#key}: HashiCorp Vault's KV version 2 engine over its HTTP API ({@code GET
 * /v1/MOUNT/data/PATH}, the latest version). Authenticates with a token ({@code VAULT_TOKEN} or a
 * token file, re-read at each login) or with AppRole ({@code role_id} and a {@code secret_id}
 * file); a renewable token is renewed ({@code renew-self}) once two thirds of its TTL have passed,
 * and a token the server no longer accepts (403) is replaced by logging in again, once per fetch.
 * Needs only {@code read} on the paths it reads (docs/secrets.md).
 */
public final class VaultProvider implements SecretProvider {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * How to reach and authenticate to Vault.
   *
   * @param address e.g. {@code https://vault.example:8200}
   * @param namespace Vault Enterprise namespace, or {@code null}
   * @param token where a token comes from (AppRole unset), or {@code null}
   * @param roleId AppRole role id, or {@code null}
   * @param secretIdFile AppRole secret id file, or {@code null}
   */
  public record Settings(
      URI address, String namespace, Supplier<String> token, String roleId, Path secretIdFile) {}

  private final Settings settings;
  private final HttpClient http;
  private final java.time.Clock clock;
  private volatile String token;
  private java.time.Instant renewAt; // null: not renewable, or not known

  public VaultProvider(Settings settings) {
    this(settings, java.time.Clock.systemUTC());
  }

  public VaultProvider(Settings settings, java.time.Clock clock) {
    this.settings = settings;
    this.clock = clock;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
  }

  @Override
  public String scheme() {
    return "vault";
  }

  @Override
  public Secret fetch(SecretRef ref) throws IOException {
    int slash = ref.location().indexOf('/');
    if (slash <= 0 || slash == ref.location().length() - 1) {
      throw new IOException("vault: " + ref.location() + " is not MOUNT/PATH");
    }
    String mount = ref.location().substring(0, slash);
    String path = ref.location().substring(slash + 1);
    URI uri = settings.address().resolve("/v1/" + mount + "/data/" + path);
    String t = token == null ? login() : token;
    t = renewIfDue(t);
    HttpResponse<String> r = get(uri, t);
    if (r.statusCode() == 403) {
      r = get(uri, login()); // expired or revoked: one fresh login
    }
    if (r.statusCode() == 404) {
      throw new IOException("vault: no secret at " + mount + "/" + path);
    }
    if (r.statusCode() != 200) {
      throw new IOException("vault: " + ref.location() + ": HTTP " + r.statusCode());
    }
    JsonNode data = JSON.readTree(r.body()).path("data").path("data");
    if (!data.isObject()) {
      throw new IOException("vault: " + ref.location() + " is not a KV v2 secret");
    }
    String field = ref.field();
    if (field.isEmpty()) {
      if (data.size() != 1) {
        throw new IOException(
            "vault: " + ref.location() + " has " + data.size() + " keys; name one after #");
      }
      field = data.fieldNames().next();
    }
    JsonNode v = data.get(field);
    if (v == null || !v.isValueNode()) {
      throw new IOException("vault: " + ref.location() + " has no key " + field);
    }
    return Secret.of(v.asText());
  }

  private HttpResponse<String> get(URI uri, String t) throws IOException {
    return send(HttpRequest.newBuilder(uri).header("X-Vault-Token", t).GET());
  }

  private HttpResponse<String> send(HttpRequest.Builder b) throws IOException {
    if (settings.namespace() != null) {
      b.header("X-Vault-Namespace", settings.namespace());
    }
    try {
      return http.send(
          b.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("vault: interrupted");
    }
  }

  /** Renews a renewable token past two thirds of its TTL; a failed renewal logs in again. */
  private synchronized String renewIfDue(String t) throws IOException {
    if (renewAt == null || clock.instant().isBefore(renewAt)) {
      return t;
    }
    HttpResponse<String> r =
        send(
            HttpRequest.newBuilder(settings.address().resolve("/v1/auth/token/renew-self"))
                .header("X-Vault-Token", t)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{}")));
    if (r.statusCode() != 200) {
      return login();
    }
    schedule(JSON.readTree(r.body()).path("auth"));
    return t;
  }

  /** Notes when to renew, from a lease ({@code lease_duration}/{@code ttl}, {@code renewable}). */
  private void schedule(JsonNode lease) {
    long ttl =
        lease.has("lease_duration")
            ? lease.path("lease_duration").asLong(0)
            : lease.path("ttl").asLong(0);
    renewAt =
        lease.path("renewable").asBoolean(false) && ttl > 0
            ? clock.instant().plusSeconds(ttl * 2 / 3)
            : null;
  }

  /** A fresh token: AppRole login when configured, else the configured token source. */
  private synchronized String login() throws IOException {
    if (settings.roleId() == null) {
      String t = settings.token() == null ? null : settings.token().get();
      if (t == null || t.isBlank()) {
        throw new IOException("vault: no token (set VAULT_TOKEN, a token file, or AppRole)");
      }
      token = t.strip();
      HttpResponse<String> self =
          send(
              HttpRequest.newBuilder(settings.address().resolve("/v1/auth/token/lookup-self"))
                  .header("X-Vault-Token", token)
                  .GET());
      if (self.statusCode() == 200) {
        schedule(JSON.readTree(self.body()).path("data"));
      } else {
        renewAt = null; // unknown lease: rely on re-login after a 403
      }
      return token;
    }
    String secretId = Files.readString(settings.secretIdFile(), StandardCharsets.UTF_8).strip();
    String body =
        JSON.createObjectNode()
            .put("role_id", settings.roleId())
            .put("secret_id", secretId)
            .toString();
    HttpResponse<String> r =
        send(
            HttpRequest.newBuilder(settings.address().resolve("/v1/auth/approle/login"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    if (r.statusCode() != 200) {
      throw new IOException("vault: AppRole login failed: HTTP " + r.statusCode());
    }
    String t = JSON.readTree(r.body()).path("auth").path("client_token").asText("");
    if (t.isEmpty()) {
      throw new IOException("vault: AppRole login returned no token");
    }
    token = t;
    schedule(JSON.readTree(r.body()).path("auth"));
    return t;
  }

  @Override
  public String toString() {
    return "vault provider at " + settings.address() + " (token ***)";
  }
}
