package dev.lmgate.app.cli;

import dev.lmgate.app.Gateway;
import dev.lmgate.app.config.ConfigLoader;
import dev.lmgate.app.config.GatewayConfig;
import dev.lmgate.filters.auth.FileKeyStore;
import dev.lmgate.filters.auth.KeyAdmin;
import dev.lmgate.simulator.Fixtures;
import dev.lmgate.simulator.LmStudioSimulator;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lmgate demo}: an LM Studio simulator with the gateway in front of it.
 *
 * <p>A command-line entry point: what it prints to stdout and stderr is its user interface (the
 * ready line scripts wait for, validation results); logs are separate JSON lines.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description =
        "Start a simulated LM Studio (serving recorded LM Studio answers) and the gateway in front of it.")
final class DemoCommand implements Callable<Integer> {
  @Option(
      names = "--port",
      description = "Gateway port (default: ${DEFAULT-VALUE}).",
      defaultValue = "8080")
  int port;

  @Option(
      names = "--admin-port",
      description = "Admin port (default: ${DEFAULT-VALUE}).",
      defaultValue = "9090")
  int adminPort;

  @Override
  public Integer call() throws Exception {
    LmStudioSimulator sim = new LmStudioSimulator(Fixtures.locate());
    sim.pauseBetweenPieces(40); // visible streaming
    sim.start(0);
    sim.scriptWhenBodyContains("/v1/chat/completions", "deploy config", leakyAnswer());
    String yaml = demoYaml();
    Path keyDir = Files.createTempDirectory("lmgate-demo-keys");
    Path keyStore = keyDir.resolve("keys.json");
    String demoKey;
    try (FileKeyStore store = FileKeyStore.open(keyStore, "", false)) {
      demoKey =
          new KeyAdmin(store, Clock.systemUTC())
              .create("demo", "lmgate demo", List.of("developer"), List.of(), Duration.ofDays(1))
              .key();
    }
    // the operator's admin token, for `lmgate approvals` and `lmgate incident` against the demo
    byte[] random = new byte[24];
    new java.security.SecureRandom().nextBytes(random);
    String adminToken = java.util.HexFormat.of().formatHex(random);
    Path adminTokenFile = keyDir.resolve("admin-token");
    // owner-only from its creation, like every file holding a secret
    dev.lmgate.audit.checkpoint.FilePermissions.createSecret(
        adminTokenFile, adminToken.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(keyDir)));
    Path auditHome = Files.createTempDirectory("lmgate-demo-audit"); // kept: verify it afterwards
    ConfigLoader loader = new ConfigLoader(demoEnv(keyStore, auditHome, adminToken));
    GatewayConfig cfg =
        RunCommand.override(loader.parse(yaml), port, URI.create(sim.baseUrl()), adminPort);
    Gateway gw = new Gateway(cfg, null, loader, s -> {}).start();
    String url = "http://127.0.0.1:" + gw.address().getPort();
    System.out.println(
        "Simulated LM Studio on "
            + sim.baseUrl()
            + " (fixtures: "
            + Fixtures.locate().directory().map(Object::toString).orElse("built-in")
            + ")");
    System.out.println("demo api key: " + demoKey);
    System.out.println(
        "  (role developer: qwen/* models, no model management; a demo key store in "
            + keyDir
            + ")");
    if (gw.adminAddress() != null) {
      System.out.println(
          "operator: ./lmgate incident status --admin http://127.0.0.1:"
              + gw.adminAddress().getPort()
              + " --token-file "
              + adminTokenFile);
      System.out.println("  (also: incident lockdown|unlock|kill|revive, approvals list)");
    }
    Path auditLog = cfg.audit().dir();
    System.out.println("audit log: " + auditLog);
    System.out.println("  verify: ./lmgate audit verify " + auditLog);
    System.out.println(
        "  read:   ./lmgate audit show "
            + auditLog
            + " --master-key file:"
            + auditHome.resolve("master.key"));
    System.out.println();
    System.out.println("Try it:");
    printCurl(url, demoKey, "Hello");
    System.out.println();
    System.out.println(
        "  # an answer that leaks a credential mid-stream: the gateway ends the stream cleanly");
    System.out.println("  # with finish_reason content_filter before any of the key is sent");
    printCurl(url, demoKey, "Show me the deploy config");
    System.out.println();
    System.out.println("  # OpenAI SDK (Python or Node): point the base URL at the gateway");
    System.out.println(
        "  client = OpenAI(base_url=\"" + url + "/v1\", api_key=\"" + demoKey + "\")");
    System.out.println(
        "  client.chat.completions.create(model=\"qwen/qwen3-4b-2507\", messages=[{\"role\":\"user\",\"content\":\"Hello\"}], stream=True)");
    System.out.println();
    RunCommand.serve(gw, sim);
    return 0;
  }

  /** A curl command streaming the answer to {@code prompt} through the gateway. */
  private static void printCurl(String url, String key, String prompt) {
    System.out.println(
        "  curl " + url + "/v1/chat/completions -H 'Content-Type: application/json' \\");
    System.out.println("    -H 'Authorization: Bearer " + key + "' \\");
    System.out.println(
        "    -d '{\"model\":\"qwen/qwen3-4b-2507\",\"messages\":[{\"role\":\"user\",\"content\":\""
            + prompt
            + "\"}],\"stream\":true}'");
  }

  /**
   * A streamed answer that starts to print an AWS access key id, split across events: what the
   * gateway must stop before any character of the key leaves it. (A made-up key of the documented
   * example shape, not a credential.)
   */
  static LmStudioSimulator.Scripted leakyAnswer() {
    String head =
        "data: {\"id\":\"chatcmpl-demo\",\"object\":\"chat.completion.chunk\",\"created\":1,"
            + "\"model\":\"qwen/qwen3-4b-2507\",\"choices\":[{\"index\":0,\"delta\":";
    java.util.function.Function<String, String> content =
        t -> head + "{\"content\":\"" + t + "\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n";
    String key = "AKIA" + "IOSFODNN7EXAMPLE";
    return LmStudioSimulator.Scripted.sse(
        40,
        head
            + "{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n",
        content.apply("Here is the deploy config: "),
        content.apply("aws_access_key_id = " + key.substring(0, 9)),
        content.apply(key.substring(9)),
        content.apply(" and the region is eu-west-1."),
        head + "{},\"logprobs\":null,\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n");
  }

  private static void deleteTree(Path dir) {
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: it is a temporary directory
    }
  }

  /** The config the demo runs with (a resource of the jar). */
  static String demoYaml() throws IOException {
    try (InputStream in = DemoCommand.class.getResourceAsStream("/demo.yaml")) {
      if (in == null) {
        throw new IOException("demo.yaml missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** The environment the demo's config is read with. */
  static java.util.function.Function<String, String> demoEnv(
      Path keyStore, Path auditHome, String adminToken) {
    return name ->
        switch (name) {
          case "LMGATE_DEMO_KEY_STORE" -> keyStore.toString();
          case "LMGATE_DEMO_AUDIT" -> auditHome.toString();
          case "LMGATE_DEMO_ADMIN_TOKEN" -> adminToken;
          case "LMSTUDIO_API_KEY" ->
              System.getenv(name) != null ? System.getenv(name) : "demo-upstream-key";
          default -> System.getenv(name);
        };
  }
}
