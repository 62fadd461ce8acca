package dev.lmgate.app.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deployment files say what docs/deploy.md promises: the sidecar runs non-root on a read-only
 * root file system with every capability dropped and seccomp RuntimeDefault, with probes and
 * limits; secrets are files; the network policy admits only the API port and lets out only DNS and
 * listed endpoints; the Service exposes only lmgate; and the ConfigMap's config loads.
 */
class KubernetesManifestsTest {
  static final Path K8S = Path.of("../docker/k8s/lmgate-sidecar.yaml");
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  static Map<String, JsonNode> byKind() throws IOException {
    Map<String, JsonNode> m = new HashMap<>();
    try (YAMLParser p = new YAMLFactory().createParser(K8S.toFile())) {
      for (var it = YAML.readValues(p, JsonNode.class); it.hasNext(); ) {
        JsonNode doc = it.next();
        assertThat(doc.path("apiVersion").asText()).as("apiVersion of %s", doc).isNotEmpty();
        assertThat(doc.path("metadata").path("name").asText()).isNotEmpty();
        m.put(doc.path("kind").asText(), doc);
      }
    }
    return m;
  }

  static JsonNode container(JsonNode deployment, String name) {
    for (JsonNode c : deployment.path("spec").path("template").path("spec").path("containers")) {
      if (c.path("name").asText().equals(name)) {
        return c;
      }
    }
    throw new AssertionError("no container " + name);
  }

  @Test
  void theSidecarIsLockedDown() throws IOException {
    Map<String, JsonNode> k = byKind();
    assertThat(k).containsKeys("ConfigMap", "Deployment", "Service", "NetworkPolicy");
    JsonNode d = k.get("Deployment");
    JsonNode pod = d.path("spec").path("template").path("spec");
    assertThat(pod.path("automountServiceAccountToken").asBoolean(true)).isFalse();
    assertThat(pod.path("securityContext").path("runAsNonRoot").asBoolean()).isTrue();
    assertThat(pod.path("securityContext").path("seccompProfile").path("type").asText())
        .isEqualTo("RuntimeDefault");
    JsonNode gw = container(d, "lmgate");
    JsonNode sc = gw.path("securityContext");
    assertThat(sc.path("runAsNonRoot").asBoolean()).isTrue();
    assertThat(sc.path("readOnlyRootFilesystem").asBoolean()).isTrue();
    assertThat(sc.path("allowPrivilegeEscalation").asBoolean(true)).isFalse();
    assertThat(sc.path("capabilities").path("drop").toString()).isEqualTo("[\"ALL\"]");
    assertThat(sc.path("seccompProfile").path("type").asText()).isEqualTo("RuntimeDefault");
    assertThat(gw.path("resources").path("limits").path("memory").asText()).isNotEmpty();
    assertThat(gw.path("resources").path("requests").path("cpu").asText()).isNotEmpty();
    for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
      assertThat(gw.path(probe).path("exec").path("command").toString())
          .as(probe)
          .contains("health");
    }
    List<String> mounts = new ArrayList<>();
    gw.path("volumeMounts").forEach(v -> mounts.add(v.path("mountPath").asText()));
    assertThat(mounts).contains("/run/secrets/lmgate", "/var/lib/lmgate", "/tmp");
    for (JsonNode v : pod.path("volumes")) {
      if (v.has("secret")) {
        assertThat(v.path("secret").path("defaultMode").asInt()).isEqualTo(0400);
      }
    }
    assertThat(container(d, "lm-studio").path("args").toString()).contains("127.0.0.1");
  }

  @Test
  void onlyTheApiPortIsReachableAndOnlyListedEndpointsAreReached() throws IOException {
    Map<String, JsonNode> k = byKind();
    JsonNode svc = k.get("Service").path("spec");
    assertThat(svc.path("ports")).hasSize(1);
    assertThat(svc.path("ports").get(0).path("port").asInt()).isEqualTo(8080);
    JsonNode np = k.get("NetworkPolicy").path("spec");
    assertThat(np.path("policyTypes").toString()).isEqualTo("[\"Ingress\",\"Egress\"]");
    assertThat(np.path("podSelector").path("matchLabels"))
        .isEqualTo(
            k.get("Deployment").path("spec").path("template").path("metadata").path("labels"));
    assertThat(np.path("ingress")).hasSize(1);
    assertThat(np.path("ingress").get(0).path("ports").get(0).path("port").asInt()).isEqualTo(8080);
    for (JsonNode rule : np.path("egress")) {
      assertThat(rule.path("to")).as("no egress rule open to everything").isNotEmpty();
      assertThat(rule.path("ports")).as("every egress rule names its ports").isNotEmpty();
    }
  }

  @Test
  void theConfigMapsConfigLoads(@TempDir Path tmp) throws Exception {
    String yaml = byKind().get("ConfigMap").path("data").path("gateway.yaml").asText();
    Path secrets = Files.createDirectories(tmp.resolve("secrets"));
    Files.writeString(secrets.resolve("lmstudio-api-key"), "lm-" + System.nanoTime());
    Files.writeString(secrets.resolve("admin-token"), "admin-" + System.nanoTime());
    Files.writeString(
        secrets.resolve("audit-master-key"),
        java.util.Base64.getEncoder().encodeToString(new byte[32]));
    String local =
        yaml.replace("/run/secrets/lmgate", secrets.toString().replace("\\", "/"))
            .replace("/var/lib/lmgate", tmp.resolve("state").toString().replace("\\", "/"));
    ConfigLoader loader = new ConfigLoader(k -> null);
    try {
      GatewayConfig c = loader.parse(local);
      assertThat(c.filters()).extracting(f -> f.id()).startsWith("authenticate", "kill-switch");
      assertThat(c.audit().mode()).isEqualTo(dev.lmgate.audit.AuditTrail.Mode.STRICT);
    } finally {
      loader.environment().close();
    }
  }

  @Test
  void composeRunsTheImageReadOnlyWithoutCapabilities() throws IOException {
    JsonNode lmgate =
        YAML.readTree(Path.of("../docker/compose.yaml").toFile()).path("services").path("lmgate");
    assertThat(lmgate.path("read_only").asBoolean()).isTrue();
    assertThat(lmgate.path("cap_drop").toString()).isEqualTo("[\"ALL\"]");
    assertThat(lmgate.path("user").asText()).isEqualTo("10001:10001");
    assertThat(lmgate.path("ports").get(0).asText()).startsWith("127.0.0.1:");
  }
}
