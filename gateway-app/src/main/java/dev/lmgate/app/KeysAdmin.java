package dev.lmgate.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lmgate.core.admin.AdminServer;
import dev.lmgate.filters.auth.FileKeyStore;
import dev.lmgate.filters.auth.KeyAdmin;
import dev.lmgate.filters.auth.KeyRecord;
import dev.lmgate.filters.auth.KeyStore;
import dev.lmgate.spi.ConfigReader;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The admin port's key routes, on the key store the running {@code authenticate} filter uses:
 * {@code GET /keys}; {@code POST /keys {"name","owner","roles":[],"scopes":[],"expires-in":"90d"}}
 * (the answer holds the new key, once); {@code POST /keys/ID/rotate {"overlap":"24h"}}; {@code
 * DELETE /keys/ID} revokes. Changes reach the gateway at once and become {@code credential_changed}
 * security events, as with {@code lmgate keys}.
 */
final class KeysAdmin implements OperatorRoute.Handler {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Supplier<Optional<KeyStore>> store;
  private final Clock clock;

  KeysAdmin(Supplier<Optional<KeyStore>> store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  @Override
  public AdminServer.Answer handle(
      String method, String path, OperatorRoute.Operator operator, String body) {
    Optional<KeyStore> s = store.get();
    if (s.isEmpty()) {
      return AdminToken.error(
          409, "api_keys_disabled", "The running config's authenticate filter has no key store.");
    }
    String[] parts = path.split("/");
    JsonNode json;
    try {
      json = body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
    } catch (IOException e) {
      return AdminToken.error(400, "invalid_json", "The body is not JSON.");
    }
    try {
      if (parts.length == 2 && method.equals("GET")) {
        ObjectNode out = JSON.createObjectNode();
        ArrayNode list = out.putArray("keys");
        for (KeyRecord k : s.get().list()) {
          list.add(describe(k));
        }
        return new AdminServer.Answer(200, out.toString());
      }
      if (parts.length == 2 && method.equals("POST")) {
        String name = json.path("name").asText("");
        String owner = json.path("owner").asText("");
        List<String> roles = strings(json.path("roles"));
        List<String> scopes = strings(json.path("scopes"));
        Duration expiresIn = duration(json, "expires-in");
        return changing(s.get(), a -> issued(a.create(name, owner, roles, scopes, expiresIn)));
      }
      if (parts.length == 4 && method.equals("POST") && parts[3].equals("rotate")) {
        Duration overlap = duration(json, "overlap");
        return changing(
            s.get(),
            a -> issued(a.rotate(parts[2], overlap == null ? Duration.ofHours(24) : overlap)));
      }
      if (parts.length == 3 && method.equals("DELETE")) {
        return changing(
            s.get(),
            a -> {
              a.revoke(parts[2]);
              return new AdminServer.Answer(
                  200,
                  JSON.createObjectNode().put("id", parts[2]).put("state", "revoked").toString());
            });
      }
    } catch (IllegalArgumentException e) {
      return AdminToken.error(400, "invalid_request", e.getMessage());
    } catch (IllegalStateException e) {
      return AdminToken.error(409, "key_not_active", e.getMessage());
    } catch (java.util.NoSuchElementException e) {
      return AdminToken.error(404, "not_found", "No key " + parts[2] + ".");
    }
    return AdminToken.error(
        404, "unknown_route", "Use GET|POST /keys, POST /keys/ID/rotate or DELETE /keys/ID.");
  }

  /** Changes the store's file as the CLI does, then makes the running store see it now. */
  private AdminServer.Answer changing(
      KeyStore running, java.util.function.Function<KeyAdmin, AdminServer.Answer> change) {
    if (!(running instanceof FileKeyStore file)) {
      return change.apply(new KeyAdmin(running, clock));
    }
    try (FileKeyStore writer = file.writer()) {
      AdminServer.Answer a = change.apply(new KeyAdmin(writer, clock));
      file.refreshNow();
      return a;
    } catch (IOException e) {
      return AdminToken.error(
          500, "key_store_unavailable", "The key store could not be changed: " + e.getMessage());
    }
  }

  private static AdminServer.Answer issued(KeyAdmin.Issued issued) {
    ObjectNode out = describe(issued.record());
    out.put("key", issued.key()); // shown once; the store keeps only a hash
    return new AdminServer.Answer(200, out.toString());
  }

  private static ObjectNode describe(KeyRecord k) {
    ObjectNode o = JSON.createObjectNode();
    o.put("id", k.id()).put("name", k.name()).put("owner", k.owner());
    k.roles().forEach(o.putArray("roles")::add);
    k.scopes().forEach(o.putArray("scopes")::add);
    o.put("created", String.valueOf(k.created()));
    o.put("expires", k.expires() == null ? null : k.expires().toString());
    o.put("revoked", k.revoked() == null ? null : k.revoked().toString());
    return o;
  }

  private static List<String> strings(JsonNode n) {
    List<String> l = new ArrayList<>();
    n.forEach(v -> l.add(v.asText()));
    return l;
  }

  private static Duration duration(JsonNode json, String key) {
    if (!json.hasNonNull(key)) {
      return null;
    }
    String text = json.path(key).asText();
    return ConfigReader.parseDuration(text)
        .orElseThrow(
            () ->
                new IllegalArgumentException(key + ": a duration such as 90d or 24h, not " + text));
  }
}
