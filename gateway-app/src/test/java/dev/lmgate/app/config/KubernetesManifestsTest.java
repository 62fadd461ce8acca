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

  /** The file a master-key reference reads: {@code file:PATH} or {@code ${secret:file:PATH}}. */
  static Path keyFile(String ref) {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("(?:\\$\\{secret:)?file:([^}#]+)}?").matcher(ref);
    assertThat(m.matches()).as("a file reference: %s", ref).isTrue();
    return Path.of(m.group(1));
  }

  /** The mount a path is under (the longest mount path that contains it). */
  static JsonNode mountOf(JsonNode container, Path p) {
    JsonNode best = null;
    for (JsonNode m : container.path("volumeMounts")) {
      Path mp = Path.of(m.path("mountPath").asText());
      if (p.startsWith(mp)
          && (best == null
              || mp.getNameCount() > Path.of(best.path("mountPath").asText()).getNameCount())) {
        best = m;
      }
    }
    assertThat(best).as("a mount holding %s", p).isNotNull();
    return best;
  }

  @Test
  void theAuditMasterKeyIsASecretMountedApartFromTheAuditLog() throws Exception {
    Map<String, JsonNode> k = byKind();
    JsonNode audit =
        YAML.readTree(k.get("ConfigMap").path("data").path("gateway.yaml").asText()).path("audit");
    String ref = audit.path("master-key").asText();
    assertThat(ref).as("never created by the gateway when missing").startsWith("${secret:file:");
    JsonNode gw = container(k.get("Deployment"), "lmgate");
    JsonNode keyMount = mountOf(gw, keyFile(ref));
    JsonNode logMount = mountOf(gw, Path.of(audit.path("dir").asText()));
    assertThat(keyMount.path("name").asText()).isNotEqualTo(logMount.path("name").asText());
    JsonNode pod = k.get("Deployment").path("spec").path("template").path("spec");
    for (JsonNode v : pod.path("volumes")) {
      if (v.path("name").asText().equals(keyMount.path("name").asText())) {
        assertThat(v.has("secret")).as("the master key's volume is a Secret: %s", v).isTrue();
      }
    }
  }

  /** The image's environment: {@code ENV} lines of the Dockerfile, {@code \$} unescaped. */
  static Map<String, String> dockerfileEnv() throws IOException {
    Map<String, String> env = new HashMap<>();
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("(LMGATE_[A-Z_]+)=(\\S+)")
            .matcher(Files.readString(Path.of("../docker/Dockerfile")));
    while (m.find()) {
      env.put(m.group(1), m.group(2).replace("\\$", "$"));
    }
    return env;
  }

  @Test
  void theImageReadsTheAuditMasterKeyFromASecretMountNotItsVolume() throws Exception {
    Map<String, String> env = dockerfileEnv();
    String volume = "/var/lib/lmgate";
    assertThat(Files.readString(Path.of("../docker/Dockerfile")))
        .contains("VOLUME [\"" + volume + "\"]");
    // config/gateway.yaml as the image runs it: the effective audit settings
    ConfigLoader loader = new ConfigLoader(env::get);
    JsonNode audit = loader.tree(Files.readString(Path.of("../config/gateway.yaml"))).path("audit");
    String ref = audit.path("master-key").asText();
    assertThat(ref).startsWith("${secret:file:");
    Path key = keyFile(ref);
    assertThat(key.startsWith("/run/secrets")).as("%s under /run/secrets", key).isTrue();
    assertThat(key.startsWith(volume)).as("%s on the state volume", key).isFalse();
    assertThat(Path.of(audit.path("dir").asText()).startsWith(volume)).isTrue();

    // compose mounts that secret there, and nothing of the state volume covers it
    JsonNode svc =
        YAML.readTree(Path.of("../docker/compose.yaml").toFile()).path("services").path("lmgate");
    List<String> secrets = new ArrayList<>();
    svc.path("secrets")
        .forEach(x -> secrets.add(x.isTextual() ? x.asText() : x.path("target").asText()));
    assertThat(secrets).contains(key.getFileName().toString());
    for (JsonNode v : svc.path("volumes")) {
      String mount = v.asText().split(":")[1];
      assertThat(key.startsWith(mount)).as("%s under the mount %s", key, mount).isFalse();
    }

    // the Jib image has the same environment as the Dockerfile's
    String pom = Files.readString(Path.of("pom.xml"));
    assertThat(pom)
        .contains(
            "<LMGATE_AUDIT_MASTER_KEY_REF>"
                + env.get("LMGATE_AUDIT_MASTER_KEY_REF")
                + "</LMGATE_AUDIT_MASTER_KEY_REF>");
  }
}
