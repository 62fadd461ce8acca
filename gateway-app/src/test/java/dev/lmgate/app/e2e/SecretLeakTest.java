package dev.lmgate.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import dev.lmgate.app.Gateway;
import dev.lmgate.app.cli.Lmgate;
import dev.lmgate.app.config.ConfigLoader;
import dev.lmgate.simulator.Fixtures;
import dev.lmgate.simulator.LmStudioSimulator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * Every secret this test hands the gateway — LM Studio keys before and after a rotation, a Vault
 * token, a plain key written into a config by mistake, an audit master key, a webhook secret — is
 * searched for in everything the gateway said meanwhile: log events (with their stack traces),
 * stdout, stderr, the `config check` dump and error messages. None may appear.
 */
class SecretLeakTest {
  @TempDir Path tmp;

  static String secret(String label) {
    return label + "-" + UUID.randomUUID(); // unique, so a hit cannot be a coincidence
  }

  @Test
  void noSecretValueAppearsInLogsOutputOrErrors() throws Exception {
    String keyOne = secret("lm-key-one");
    String keyTwo = secret("lm-key-two");
    String vaultToken = secret("hvs");
    String plainInConfig = secret("sk-plain");
    String hookSecret = secret("hook");
    String pepper = secret("pepper-0123456789abcdef");
    String oldPepper = secret("old-pepper-0123456789abcdef");
    String devPlain = secret("sk-dev");
    List<String> secrets =
        List.of(keyOne, keyTwo, vaultToken, plainInConfig, hookSecret, pepper, oldPepper, devPlain);

    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ch.qos.logback.classic.Level level = root.getLevel();
    root.setLevel(ch.qos.logback.classic.Level.DEBUG);
    logs.start();
    root.addAppender(logs);
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    PrintStream capture = new PrintStream(printed, true, StandardCharsets.UTF_8);
    System.setOut(capture);
    System.setErr(capture);
    List<String> said = new ArrayList<>();
    LmStudioSimulator sim = new LmStudioSimulator(Fixtures.locate());
    sim.start(0);
    try {
      Path keyFile = tmp.resolve("lm.key");
      Files.writeString(keyFile, keyOne + "\n");
      Files.writeString(tmp.resolve("hook.secret"), hookSecret);
      String yaml =
          "server:\n  port: 0\nadmin:\n  enabled: false\nupstream:\n  url: "
              + sim.baseUrl()
              + "\n  api-key: ${secret:file:"
              + keyFile
              + "}\nsecrets:\n  refresh: 1h\n  vault:\n    address: http://127.0.0.1:9\n"
              + "audit:\n  dir: "
              + tmp.resolve("audit")
              + "\n  master-key: file:"
              + tmp.resolve("master.key")
              + "\n  alerts:\n    webhook: http://127.0.0.1:9/hook\n    secret: file:"
              + tmp.resolve("hook.secret")
              + "\n";
      Path config = tmp.resolve("gateway.yaml");
      Files.writeString(config, yaml);
      ConfigLoader loader = new ConfigLoader(Map.of("VAULT_TOKEN", vaultToken)::get);
      try (Gateway gw = new Gateway(loader.load(config), config, loader, s -> {}).start()) {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI models = URI.create("http://127.0.0.1:" + gw.address().getPort() + "/v1/models");
        http.send(HttpRequest.newBuilder(models).build(), HttpResponse.BodyHandlers.ofString());
        Files.writeString(keyFile, keyTwo + "\n"); // rotation: logged as a change
        gw.secrets().refreshAll();
        http.send(HttpRequest.newBuilder(models).build(), HttpResponse.BodyHandlers.ofString());
        Files.delete(keyFile); // a failing refresh: logged with the reason
        gw.secrets().refreshAll();
        // Vault is unreachable: resolving a reference fails with a message.
        java.io.IOException vaultDown =
            catchThrowableOfType(
                () -> gw.secrets().resolve(dev.lmgate.secrets.SecretRef.parse("vault:kv/lm#k")),
                java.io.IOException.class);
        assertThat(vaultDown).as("resolving from an unreachable Vault fails").isNotNull();
        said.add(vaultDown.toString());
        said.add(String.valueOf(gw.secrets()));
      }
      // A key pasted into the config is refused, and the refusal does not repeat it.
      dev.lmgate.spi.ConfigException pasted =
          catchThrowableOfType(
              () -> loader.parse("upstream:\n  api-key: " + plainInConfig + "\n"),
              dev.lmgate.spi.ConfigException.class);
      assertThat(pasted).as("a plain key in the config is refused").isNotNull();
      said.add(pasted.getMessage());
      Files.writeString(keyFile, keyOne);
      new CommandLine(new Lmgate()).execute("config", "check", config.toString());
      // Peppers from secrets, checked and dumped; a plain value allowed for development.
      Files.writeString(tmp.resolve("pepper"), pepper);
      Path withPeppers = tmp.resolve("peppers.yaml");
      Files.writeString(
          withPeppers,
          "filters:\n  - id: authenticate\n    api-keys:\n      store: "
              + tmp.resolve("keys.json")
              + "\n      pepper: ${secret:file:"
              + tmp.resolve("pepper")
              + "}\n      previous-peppers: [\"${secret:env:OLD_PEPPER}\"]\n");
      ConfigLoader pepperLoader = new ConfigLoader(Map.of("OLD_PEPPER", oldPepper)::get);
      said.add(String.valueOf(pepperLoader.load(withPeppers)));
      pepperLoader.environment().close();
      new CommandLine(new Lmgate()).execute("config", "check", withPeppers.toString());
      ConfigLoader devLoader = new ConfigLoader(k -> null);
      said.add(
          String.valueOf(
              devLoader.parse(
                  "secrets:\n  allow-plain-values: true\nupstream:\n  api-key: "
                      + devPlain
                      + "\n")));
      devLoader.environment().close();
    } finally {
      System.setOut(out);
      System.setErr(err);
      root.detachAppender(logs);
      root.setLevel(level);
      sim.close();
    }
    StringBuilder all = new StringBuilder(printed.toString(StandardCharsets.UTF_8));
    for (ILoggingEvent e : logs.list) {
      all.append(e.getFormattedMessage()).append('\n');
      if (e.getThrowableProxy() != null) {
        all.append(ThrowableProxyUtil.asString(e.getThrowableProxy())).append('\n');
      }
    }
    said.forEach(s -> all.append(s).append('\n'));
    assertThat(logs.list).isNotEmpty();
    assertThat(all.toString()).contains("changed").contains("could not be refreshed");
    for (String s : secrets) {
      assertThat(all.toString()).as("output mentions a secret").doesNotContain(s);
    }
  }
}
