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
    return read(ref, "");
  }

  /**
   * The KV versions before the current one that are neither deleted nor destroyed, newest first
   * (needs {@code read} on {@code MOUNT/metadata/PATH} too).
   */
  @Override
  public java.util.List<Secret> previous(SecretRef ref) throws IOException {
    String[] mp = mountAndPath(ref);
    JsonNode meta =
        JSON.readTree(call(ref, "/v1/" + mp[0] + "/metadata/" + mp[1]).body()).path("data");
    long current = meta.path("current_version").asLong();
    java.util.List<Long> older = new java.util.ArrayList<>();
    meta.path("versions")
        .fields()
        .forEachRemaining(
            e -> {
              long n = Long.parseLong(e.getKey());
              JsonNode v = e.getValue();
              if (n < current
                  && !v.path("destroyed").asBoolean()
                  && v.path("deletion_time").asText("").isEmpty()) {
                older.add(n);
              }
            });
    older.sort(java.util.Comparator.reverseOrder());
    java.util.List<Secret> out = new java.util.ArrayList<>();
    for (long n : older) {
      out.add(read(ref, "?version=" + n));
    }
    return out;
  }

  private static String[] mountAndPath(SecretRef ref) throws IOException {
    int slash = ref.location().indexOf('/');
    if (slash <= 0 || slash == ref.location().length() - 1) {
      throw new IOException("vault: " + ref.location() + " is not MOUNT/PATH");
    }
    return new String[] {ref.location().substring(0, slash), ref.location().substring(slash + 1)};
  }

  /** A GET with the current token (renewed when due, one fresh login on 403); 200 or an error. */
  private HttpResponse<String> call(SecretRef ref, String pathAndQuery) throws IOException {
    URI uri = settings.address().resolve(pathAndQuery);
    String t = token == null ? login() : token;
    t = renewIfDue(t);
    HttpResponse<String> r = get(uri, t);
    if (r.statusCode() == 403) {
      r = get(uri, login()); // expired or revoked: one fresh login
    }
    if (r.statusCode() == 404) {
      String[] mp = mountAndPath(ref);
      throw new IOException("vault: no secret at " + mp[0] + "/" + mp[1]);
    }
    if (r.statusCode() != 200) {
      throw new IOException("vault: " + ref.location() + ": HTTP " + r.statusCode());
    }
    return r;
  }

  private Secret read(SecretRef ref, String query) throws IOException {
    String[] mp = mountAndPath(ref);
    HttpResponse<String> r = call(ref, "/v1/" + mp[0] + "/data/" + mp[1] + query);
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
