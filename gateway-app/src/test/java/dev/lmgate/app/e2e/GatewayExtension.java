package dev.lmgate.app.e2e;

import dev.lmgate.app.Gateway;
import dev.lmgate.app.config.ConfigLoader;
import dev.lmgate.app.config.GatewayEnvironment;
import dev.lmgate.simulator.Fixtures;
import dev.lmgate.simulator.LmStudioSimulator;
import dev.lmgate.spi.ExchangeListener;
import dev.lmgate.spi.ExchangeSummary;
import dev.lmgate.spi.SecurityEvent;
import dev.lmgate.testkit.TestCertificates;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.util.Base64;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real gateway on 127.0.0.1 in front of the LM Studio simulator, built from a config YAML; every
 * finished exchange and every security event is recorded for assertions.
 *
 * <p>Registered on a static field, one gateway serves the whole class (the simulator's scripts and
 * settings and the recordings are reset before each test); on an instance field, each test gets a
 * fresh one. Whatever was started is stopped afterwards, also when starting failed halfway.
 *
 * <p>The config is a template; before the start these placeholders are filled in:
 *
 * <ul>
 *   <li>{@code {simulator}}: the simulator's base URL (a template without it points the gateway
 *       elsewhere; the simulator runs anyway)
 *   <li>{@code {dir}}: a temporary directory of this gateway's own (key stores, audit logs,
 *       certificates), made before the start and deleted after the stop
 *   <li>{@code {tls.certificate}}, {@code {tls.key}}: with {@link #tls()}, a PEM certificate for
 *       127.0.0.1 and its key
 * </ul>
 */
public final class GatewayExtension
    implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
  /** Work done in {@link #dir()} before the gateway starts, e.g. files its config points at. */
  @FunctionalInterface
  public interface Preparation {
    void prepare(Path dir) throws Exception;
  }

  private static final String DEFAULTS =
      "server:\n  port: 0\n  access-log: false\n  max-request-bytes: 65536\n"
          + "admin:\n  port: 0\nupstream:\n  url: \"{simulator}\"\n";

  private String template;
  private Map<String, String> env = Map.of();
  private Clock clock = Clock.systemUTC();
  private boolean tls;
  private Preparation preparation = dir -> {};
  private final BlockingQueue<ExchangeSummary> exchanges = new LinkedBlockingQueue<>();
  private final BlockingQueue<SecurityEvent> securityEvents = new LinkedBlockingQueue<>();
  private final ExchangeListener recorder =
      new ExchangeListener() {
        @Override
        public void onExchange(ExchangeSummary summary) {
          exchanges.add(summary);
        }

        @Override
        public void onSecurityEvent(SecurityEvent event) {
          securityEvents.add(event);
        }
      };

  private boolean perClass;
  private Path dir;
  private LmStudioSimulator simulator;
  private Gateway gateway;

  /**
   * The gateway with these filters ({@code filters:} and what follows it) after the defaults:
   * listener and admin port on any free port, no access log, requests up to 64 KiB.
   */
  public GatewayExtension(String filtersYaml) {
    this.template = DEFAULTS + filtersYaml;
  }

  /** The gateway with this whole config, placeholders and all (see the class comment). */
  public static GatewayExtension config(String template) {
    GatewayExtension e = new GatewayExtension("");
    e.template = template;
    return e;
  }

  /** What {@code ${VAR}} and {@code ${secret:env:VAR}} in the config resolve to (else nothing). */
  public GatewayExtension env(Map<String, String> variables) {
    this.env = Map.copyOf(variables);
    return this;
  }

  /** The clock the filters' shared state runs on (the system clock otherwise). */
  public GatewayExtension clock(Clock clock) {
    this.clock = clock;
    return this;
  }

  /**
   * Makes a self-signed certificate for 127.0.0.1 (testkit's {@link TestCertificates}) for {@code
   * {tls.certificate}} and {@code {tls.key}}, before the start.
   */
  public GatewayExtension tls() {
    this.tls = true;
    return this;
  }

  /**
   * Runs {@code preparation} (only the last one given) once {@link #dir()} and the certificate
   * exist, before each start; what it throws fails the start.
   */
  public GatewayExtension beforeStart(Preparation preparation) {
    this.preparation = preparation;
    return this;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    perClass = true;
    start();
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    if (!perClass) {
      start();
      return;
    }
    simulator.clearScripts();
    simulator.splitStreamsEvery(0);
    simulator.pauseBetweenPieces(0);
    simulator.delayAnswers(0);
    simulator.requireApiKey(null);
    while (simulator.pendingRequests() > 0) {
      simulator.takeRequest();
    }
    exchanges.clear();
    securityEvents.clear();
  }

  @Override
  public void afterEach(ExtensionContext context) throws IOException {
    if (!perClass) {
      stop();
    }
  }

  @Override
  public void afterAll(ExtensionContext context) throws IOException {
    stop();
  }

  private void start() throws Exception {
    dir = Files.createTempDirectory("lmgate-e2e");
    simulator = new LmStudioSimulator(Fixtures.locate());
    simulator.start(0);
    if (tls) {
      writeTlsMaterial();
    }
    preparation.prepare(dir);
    String yaml =
        template
            .replace("{simulator}", simulator.baseUrl())
            .replace("{dir}", slashed(dir))
            .replace("{tls.certificate}", slashed(tlsCertificate()))
            .replace("{tls.key}", slashed(tlsKey()));
    ConfigLoader loader = new ConfigLoader(env::get, new GatewayEnvironment(clock));
    try {
      gateway = new Gateway(loader.parse(yaml), null, loader, recorder);
    } catch (Exception e) {
      loader.environment().close(); // what the config had started (secrets, shared state)
      throw e;
    }
    gateway.start();
  }

  private void stop() throws IOException {
    try {
      if (gateway != null) {
        gateway.close();
      }
      if (simulator != null) {
        simulator.close();
      }
    } finally {
      gateway = null;
      simulator = null;
      if (dir != null) {
        try (Stream<Path> all = Files.walk(dir)) {
          for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
            Files.delete(p);
          }
        }
        dir = null;
      }
    }
  }

  /** The PEM pair the listener reads, from the PKCS#12 store testkit makes. */
  private void writeTlsMaterial() throws Exception {
    TestCertificates.SelfSigned made = TestCertificates.selfSigned(dir, "gateway");
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(made.keyStore())) {
      store.load(in, made.password().toCharArray());
    }
    byte[] pkcs8 = store.getKey("tls", made.password().toCharArray()).getEncoded();
    Files.writeString(
        tlsKey(),
        "-----BEGIN PRIVATE KEY-----\n"
            + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(pkcs8)
            + "\n-----END PRIVATE KEY-----\n");
  }

  private static String slashed(Path p) {
    return p.toString().replace('\\', '/');
  }

  public LmStudioSimulator simulator() {
    return simulator;
  }

  public Gateway gateway() {
    return gateway;
  }

  /** This gateway's own temporary directory, {@code {dir}} in the config. */
  public Path dir() {
    return dir;
  }

  /** The certificate of {@link #tls()}, PEM: what a client trusts. */
  public Path tlsCertificate() {
    return dir.resolve("gateway.pem");
  }

  /** The private key of {@link #tls()}, PKCS#8 PEM. */
  public Path tlsKey() {
    return dir.resolve("gateway.key");
  }

  /** {@code path} on the listener, over https when the listener speaks TLS. */
  public URI url(String path) {
    String scheme = gateway.tls() == null ? "http" : "https";
    return URI.create(scheme + "://127.0.0.1:" + port() + path);
  }

  /** {@code path} on the admin port, over https when the admin port speaks TLS. */
  public URI adminUrl(String path) {
    String scheme = gateway.adminTls() == null ? "http" : "https";
    return URI.create(scheme + "://127.0.0.1:" + gateway.adminAddress().getPort() + path);
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

  /** The security events so far, in the order they arrived; emptied before each test. */
  public BlockingQueue<SecurityEvent> securityEvents() {
    return securityEvents;
  }
}
