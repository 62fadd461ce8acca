package dev.lmgate.app.cli;

import dev.lmgate.app.Gateway;
import dev.lmgate.app.config.ConfigLoader;
import dev.lmgate.app.config.GatewayConfig;
import dev.lmgate.core.proxy.ServerSettings;
import dev.lmgate.spi.ConfigException;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lmgate run}: the gateway in front of a real LM Studio.
 *
 * <p>A command-line entry point: what it prints to stdout and stderr is its user interface (the
 * ready line scripts wait for, validation results); logs are separate JSON lines.
 */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = "Run the gateway in front of LM Studio.")
final class RunCommand implements Callable<Integer> {
  @Option(
      names = "--config",
      description = "Config file (default: ${DEFAULT-VALUE}).",
      defaultValue = "config/gateway.yaml")
  Path config;

  @Option(names = "--port", description = "Listen on this port instead of server.port.")
  Integer port;

  @Option(
      names = "--upstream",
      description = "LM Studio's URL instead of upstream.url, e.g. http://127.0.0.1:1234.")
  URI upstream;

  @Option(names = "--admin-port", description = "Admin port instead of admin.port (-1 disables).")
  Integer adminPort;

  @Override
  public Integer call() throws Exception {
    ConfigLoader loader = ConfigLoader.fromEnvironment();
    GatewayConfig cfg;
    try {
      cfg = loader.load(config);
    } catch (ConfigException e) {
      System.err.println("lmgate: invalid config " + config + ": " + e.getMessage());
      return 2;
    }
    cfg = override(cfg, port, upstream, adminPort);
    Gateway gw;
    try {
      gw = new Gateway(cfg, config, loader, s -> {}).start();
    } catch (java.io.IOException | IllegalStateException e) {
      // a secret or the TLS certificate cannot be read; the audit log fails to open
      System.err.println("lmgate: " + e.getMessage());
      return 2;
    }
    serve(gw);
    return 0;
  }

  static GatewayConfig override(GatewayConfig cfg, Integer port, URI upstream, Integer adminPort) {
    ServerSettings s = cfg.server();
    s = s.with(port == null ? s.port() : port, upstream == null ? s.upstream() : upstream);
    return cfg.with(s, adminPort == null ? cfg.adminPort() : adminPort);
  }

  /** Prints the ready line, then serves until the process is told to stop (graceful drain). */
  static void serve(Gateway gw, AutoCloseable... alsoClose) throws InterruptedException {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  gw.close();
                  for (AutoCloseable c : alsoClose) {
                    try {
                      c.close();
                    } catch (Exception ignored) {
                      // shutting down
                    }
                  }
                  stopped.countDown();
                },
                "lmgate-shutdown"));
    if (gw.adminAddress() != null) {
      System.out.println(
          "lmgate admin on http://"
              + gw.adminAddress().getHostString()
              + ":"
              + gw.adminAddress().getPort()
              + " (/healthz /readyz /metrics)");
    }
    System.out.println(
        "lmgate listening on "
            + (gw.tls() != null ? "https://" : "http://")
            + gw.address().getHostString()
            + ":"
            + gw.address().getPort());
    System.out.flush();
    stopped.await();
  }
}
