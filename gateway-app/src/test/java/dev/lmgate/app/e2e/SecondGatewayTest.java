package dev.lmgate.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lmgate.audit.checkpoint.SigningKey;
import dev.lmgate.audit.verify.AuditVerifier;
import dev.lmgate.simulator.Fixtures;
import dev.lmgate.simulator.LmStudioSimulator;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An operator who starts a second {@code lmgate run} on the directory of a running one (by mistake,
 * or two replicas on one volume) gets a refusal naming the running one, at once; the running
 * gateway's log stays intact and verifiable while it runs.
 */
class SecondGatewayTest {
  @TempDir Path tmp;
  LmStudioSimulator sim;
  final List<Process> processes = new ArrayList<>();

  @AfterEach
  void stop() {
    processes.forEach(Process::destroyForcibly);
    if (sim != null) {
      sim.close();
    }
  }

  /** Starts {@code lmgate run}; completes with its output up to the ready line, or all of it. */
  CompletableFuture<String> run(Path config) throws Exception {
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "dev.lmgate.app.cli.Lmgate",
                "run",
                "--config",
                config.toString())
            .redirectErrorStream(true)
            .start();
    processes.add(p);
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    CompletableFuture<String> ready = new CompletableFuture<>();
    Thread reader =
        new Thread(
            () -> {
              StringBuilder seen = new StringBuilder();
              try {
                String line;
                while ((line = out.readLine()) != null) {
                  seen.append(line).append('\n');
                  if (line.startsWith("lmgate listening on http://")) {
                    ready.complete(seen.toString());
                  }
                }
              } catch (Exception e) {
                // the process went away
              }
              ready.complete(seen.toString());
            });
    reader.setDaemon(true);
    reader.start();
    return ready;
  }

  @Test
  void aSecondGatewayOnTheSameAuditDirectoryRefusesNamingTheFirst() throws Exception {
    sim = new LmStudioSimulator(Fixtures.locate());
    sim.start(0);
    Path config = tmp.resolve("gateway.yaml");
    Files.writeString(
        config,
        "server:\n  port: 0\n  access-log: false\nadmin:\n  enabled: false\nupstream:\n  url: "
            + sim.baseUrl()
            + "\naudit:\n  dir: "
            + tmp.resolve("log")
            + "\n  signing-key: "
            + tmp.resolve("signing.key")
            + "\n  master-key: file:"
            + tmp.resolve("master.key")
            + "\n  mode: strict\n  checkpoint-interval: 200ms\n");
    String first = run(config).get(60, TimeUnit.SECONDS);
    assertThat(first).contains("lmgate listening on");
    Process running = processes.get(0);

    String second = run(config).get(60, TimeUnit.SECONDS);
    Process refused = processes.get(1);
    assertThat(refused.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(refused.exitValue()).isEqualTo(2);
    assertThat(second)
        .doesNotContain("lmgate listening on")
        .contains("is being written by another process")
        .contains("pid " + running.pid())
        .contains("audit.dir");
    assertThat(running.isAlive()).isTrue();

    // The running gateway's log verifies while it runs, and after it stops.
    AuditVerifier.Report during =
        AuditVerifier.verify(
            tmp.resolve("log/segments"),
            tmp.resolve("log/checkpoints"),
            SigningKey.load(tmp.resolve("signing.key")).verifier());
    assertThat(during.problem()).isNull();
    running.destroy(); // SIGTERM: graceful, releases the lock
    assertThat(running.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(run(config).get(60, TimeUnit.SECONDS)).contains("lmgate listening on");
  }
}
