package dev.lmgate.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.lmgate.app.Gateway;
import dev.lmgate.app.config.ConfigLoader;
import dev.lmgate.simulator.Fixtures;
import dev.lmgate.simulator.LmStudioSimulator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container default for the audit master key, {@code ${secret:file:/run/secrets/…}} (docs/
 * deploy.md): read from the secret mount when it is there, and never created when it is not — the
 * gateway refuses to start rather than put a fresh key where it would vanish with the container.
 */
class AuditMasterKeySecretTest {
  @TempDir Path tmp;

  String yaml(String simUrl, Path masterKey) {
    return """
        server: {port: 0, access-log: false}
        admin: {enabled: false}
        upstream: {url: "%s"}
        audit:
          dir: "%s"
          signing-key: "%s"
          master-key: "${secret:file:%s}"
        """
        .formatted(
            simUrl,
            tmp.resolve("audit").toString().replace("\\", "/"),
            tmp.resolve("signing.key").toString().replace("\\", "/"),
            masterKey.toString().replace("\\", "/"));
  }

  @Test
  void aMasterKeyFromASecretFileIsUsedAndAMissingOneIsNeverCreated() throws Exception {
    Path secrets = Files.createDirectories(tmp.resolve("run-secrets"));
    Path key = secrets.resolve("lmgate-audit-master-key");
    try (LmStudioSimulator sim = new LmStudioSimulator(Fixtures.locate())) {
      sim.start(0);

      ConfigLoader missing = new ConfigLoader(k -> null);
      Throwable refused =
          catchThrowable(
              () ->
                  new Gateway(missing.parse(yaml(sim.baseUrl(), key)), null, missing, s -> {})
                      .start()
                      .close());
      assertThat(refused)
          .as("no master key: the gateway does not start, and says which setting")
          .isNotNull()
          .hasMessageContaining("audit.master-key");
      assertThat(key).as("and does not create one").doesNotExist();

      byte[] raw = new byte[32];
      new SecureRandom().nextBytes(raw);
      Files.writeString(key, Base64.getEncoder().encodeToString(raw) + "\n");
      ConfigLoader loader = new ConfigLoader(k -> null);
      try (Gateway gw =
          new Gateway(loader.parse(yaml(sim.baseUrl(), key)), null, loader, s -> {}).start()) {
        HttpResponse<String> r =
            HttpClient.newHttpClient()
                .send(
                    HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + gw.address().getPort() + "/v1/models"))
                        .build(),
                    HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
      }
      try (var files = Files.walk(tmp.resolve("audit"))) {
        assertThat(files.filter(p -> p.getFileName().toString().contains("master")))
            .as("no copy of the master key on the audit volume")
            .isEmpty();
      }
    }
  }
}
