package dev.lmgate.app.e2e;

import dev.lmgate.app.Gateway;
import dev.lmgate.app.config.ConfigLoader;
import dev.lmgate.app.config.GatewayConfig;
import dev.lmgate.simulator.Fixtures;
import dev.lmgate.simulator.LmStudioSimulator;
import dev.lmgate.spi.ExchangeListener;
import dev.lmgate.spi.ExchangeSummary;
import java.net.URI;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real gateway on 127.0.0.1 in front of the LM Studio simulator, for one test class. Filters come
 * from the YAML given; every finished exchange is recorded for assertions.
 */
public final class GatewayExtension
    implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback {
  private final String filtersYaml;
  private LmStudioSimulator simulator;
  private Gateway gateway;
  private final LinkedBlockingQueue<ExchangeSummary> exchanges = new LinkedBlockingQueue<>();

  public GatewayExtension(String filtersYaml) {
    this.filtersYaml = filtersYaml;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    simulator = new LmStudioSimulator(Fixtures.locate());
    simulator.start(0);
    String yaml =
        "server:\n  port: 0\n  access-log: false\n  max-request-bytes: 65536\nadmin:\n  port: 0\nupstream:\n  url: "
            + simulator.baseUrl()
            + "\n"
            + filtersYaml;
    ConfigLoader loader = new ConfigLoader(k -> null);
    GatewayConfig cfg = loader.parse(yaml);
    gateway = new Gateway(cfg, null, loader, exchanges::add).start();
  }

  @Override
  public void beforeEach(ExtensionContext context) throws InterruptedException {
    simulator.clearScripts();
    simulator.splitStreamsEvery(0);
    simulator.pauseBetweenPieces(0);
    while (simulator.pendingRequests() > 0) {
      simulator.takeRequest();
    }
    exchanges.clear();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    gateway.close();
    simulator.close();
  }

  /**
   * Starts a gateway of its own (for tests that need other server settings than the extension's),
   * with the admin port off, in front of {@code upstream}.
   *
   * @param serverSettings extra lines under {@code server:}, each indented by two spaces and ending
   *     in a newline (may be empty)
   */
  public static Gateway startGateway(
      String serverSettings, String upstream, ExchangeListener listener) throws Exception {
    ConfigLoader loader = new ConfigLoader(k -> null);
    String yaml =
        "server:\n  port: 0\n  access-log: false\n"
            + serverSettings
            + "admin:\n  enabled: false\nupstream:\n  url: "
            + upstream
            + "\n";
    return new Gateway(loader.parse(yaml), null, loader, listener).start();
  }

  public LmStudioSimulator simulator() {
    return simulator;
  }

  public Gateway gateway() {
    return gateway;
  }

  public URI url(String path) {
    return URI.create("http://127.0.0.1:" + gateway.address().getPort() + path);
  }

  public int port() {
    return gateway.address().getPort();
  }

  /** The next finished exchange, waiting up to 5 s. */
  public ExchangeSummary nextExchange() throws InterruptedException {
    ExchangeSummary s = exchanges.poll(5, TimeUnit.SECONDS);
    if (s == null) {
      throw new AssertionError("no exchange finished");
    }
    return s;
  }
}
