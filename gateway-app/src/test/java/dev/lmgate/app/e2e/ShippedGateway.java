package dev.lmgate.app.e2e;

import dev.lmgate.app.Gateway;
import dev.lmgate.app.config.ConfigLoader;
import dev.lmgate.app.config.GatewayConfig;
import dev.lmgate.app.config.StateVariables;
import dev.lmgate.filters.auth.FileKeyStore;
import dev.lmgate.filters.auth.KeyAdmin;
import dev.lmgate.simulator.Fixtures;
import dev.lmgate.simulator.LmStudioSimulator;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The configuration users run: {@code config/gateway.yaml} exactly as shipped, with only what its
 * own {@code ${VAR}}s let an operator set (ports, LM Studio's URL, where the key store and the
 * audit trail live) pointed at a temporary directory and the LM Studio simulator.
 */
public final class ShippedGateway
    implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback {
  private final List<String> keyNames;
  private final java.util.function.UnaryOperator<String> edit;
  private final Map<String, String> keys = new java.util.HashMap<>();
  private Path dir;
  private LmStudioSimulator simulator;
  private Gateway gateway;

  /**
   * @param keyNames API keys (role {@code developer}) to create before the gateway starts
   */
  public ShippedGateway(String... keyNames) {
    this(yaml -> yaml, keyNames);
  }

  private ShippedGateway(java.util.function.UnaryOperator<String> edit, String... keyNames) {
    this.keyNames = List.of(keyNames);
    this.edit = edit;
  }

  /**
   * The shipped file with one change an operator would make (each replacement must apply: a shipped
   * file that no longer has {@code from} fails the test rather than testing the wrong thing).
   *
   * @param replacements pairs of text to find and its replacement
   */
  public static ShippedGateway editedAs(String[] replacements, String... keyNames) {
    return new ShippedGateway(
        yaml -> {
          String out = yaml;
          for (int i = 0; i < replacements.length; i += 2) {
            if (!out.contains(replacements[i])) {
              throw new IllegalStateException("config/gateway.yaml has no " + replacements[i]);
            }
            out = out.replace(replacements[i], replacements[i + 1]);
          }
          return out;
        },
        keyNames);
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    dir = Files.createTempDirectory("lmgate-shipped");
    try (FileKeyStore store = FileKeyStore.open(dir.resolve("keys.json"), "", false)) {
      KeyAdmin admin = new KeyAdmin(store, Clock.systemUTC());
      for (String name : keyNames) {
        keys.put(name, admin.create(name, "", List.of("developer"), List.of(), null).key());
      }
    }
    simulator = new LmStudioSimulator(Fixtures.locate());
    simulator.start(0);
    Map<String, String> env = new java.util.HashMap<>(StateVariables.in(dir));
    env.put("LMGATE_PORT", "0");
    env.put("LMGATE_ADMIN_PORT", "0");
    env.put("LMSTUDIO_URL", simulator.baseUrl());
    ConfigLoader loader = new ConfigLoader(env::get);
    Path config = Path.of("../config/gateway.yaml");
    String shipped = Files.readString(config);
    String edited = edit.apply(shipped);
    if (!edited.equals(shipped)) {
      config = dir.resolve("gateway.yaml");
      Files.writeString(config, edited);
    }
    GatewayConfig cfg = loader.load(config);
    gateway = new Gateway(cfg, config, loader, s -> {}).start();
  }

  @Override
  public void beforeEach(ExtensionContext context) throws InterruptedException {
    while (simulator.pendingRequests() > 0) {
      simulator.takeRequest();
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (gateway != null) {
      gateway.close();
    }
    if (simulator != null) {
      simulator.close();
    }
  }

  /** The key created under {@code name}. */
  public String key(String name) {
    String k = keys.get(name);
    if (k == null) {
      throw new IllegalArgumentException("no key named " + name);
    }
    return k;
  }

  public LmStudioSimulator simulator() {
    return simulator;
  }

  public URI url(String path) {
    return URI.create("http://127.0.0.1:" + gateway.address().getPort() + path);
  }
}
