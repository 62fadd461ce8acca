package dev.lmgate.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lmgate.audit.checkpoint.SigningKey;
import dev.lmgate.audit.log.LogReader;
import dev.lmgate.audit.verify.AuditVerifier;
import dev.lmgate.simulator.Fixtures;
import dev.lmgate.simulator.LmStudioSimulator;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real gateway process, strict audit, killed with SIGKILL in the middle of traffic: on restart
 * the log opens (cutting a torn tail if there is one), verifies, and holds a record of every
 * request that was answered.
 */
class AuditCrashTest {
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

  /** Starts {@code lmgate run} in its own JVM; returns its port once it listens. */
  int startGateway(Path config) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p =
        new ProcessBuilder(
                java,
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
    CompletableFuture<Integer> port = new CompletableFuture<>();
    StringBuilder seen = new StringBuilder();
    Thread reader =
        new Thread(
            () -> {
              try {
                String line;
                while ((line = out.readLine()) != null) {
                  synchronized (seen) {
                    seen.append(line).append('\n');
                  }
                  if (line.startsWith("lmgate listening on http://")) {
                    port.complete(
                        Integer.parseInt(line.substring(line.lastIndexOf(':') + 1).trim()));
                  }
                }
              } catch (Exception e) {
                // the process went away
              }
              port.completeExceptionally(new AssertionError("gateway exited:\n" + seen));
            });
    reader.setDaemon(true);
    reader.start();
    return port.get(60, TimeUnit.SECONDS);
  }

  @Test
  void afterSigkillTheLogVerifiesAndHoldsEveryAnsweredRequest() throws Exception {
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
    int port = startGateway(config);

    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    ConcurrentLinkedQueue<String> answered = new ConcurrentLinkedQueue<>();
    AtomicBoolean running = new AtomicBoolean(true);
    List<Thread> clients = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      boolean stream = t % 2 == 0;
      Thread c =
          new Thread(
              () -> {
                while (running.get()) {
                  try {
                    HttpResponse<String> r =
                        http.send(
                            HttpRequest.newBuilder(
                                    URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                                .timeout(Duration.ofSeconds(5))
                                .header("content-type", "application/json")
                                .POST(
                                    HttpRequest.BodyPublishers.ofString(
                                        "{\"model\":\"qwen/qwen3-4b-2507\",\"stream\":"
                                            + stream
                                            + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                                .build(),
                            HttpResponse.BodyHandlers.ofString());
                    boolean complete =
                        r.statusCode() == 200
                            && (stream
                                ? r.body().contains("data: [DONE]")
                                : r.body().endsWith("}"));
                    if (complete) {
                      answered.add(r.headers().firstValue("x-request-id").orElseThrow());
                    }
                  } catch (Exception e) {
                    if (!running.get()) {
                      return;
                    }
                  }
                }
              });
      c.start();
      clients.add(c);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (answered.size() < 200 && System.nanoTime() < deadline) {
      Thread.sleep(10); // waiting for enough answered requests, with a deadline
    }
    Process first = processes.get(0);
    first.destroyForcibly(); // SIGKILL, mid-traffic
    assertThat(first.waitFor(10, TimeUnit.SECONDS)).as("the killed gateway exited").isTrue();
    running.set(false);
    for (Thread c : clients) {
      c.join(10_000); // a guard against a hang, not a measured time
    }
    // Clients still running could add answers after the log is read below.
    assertThat(clients).as("every client thread finished").noneMatch(Thread::isAlive);
    assertThat(answered).hasSizeGreaterThanOrEqualTo(50);

    // Restart: the log must open, then a clean stop signs a final checkpoint.
    startGateway(config);
    Process second = processes.get(1);
    second.destroy(); // SIGTERM: graceful
    assertThat(second.waitFor(30, TimeUnit.SECONDS)).isTrue();

    AuditVerifier.Report v =
        AuditVerifier.verify(
            tmp.resolve("log/segments"),
            tmp.resolve("log/checkpoints"),
            SigningKey.load(tmp.resolve("signing.key")).verifier());
    assertThat(v.problem()).isNull();
    assertThat(v.intact()).isTrue();
    Set<String> recorded =
        LogReader.read(tmp.resolve("log/segments")).entries().stream()
            .map(LogReader.Entry::json)
            .filter(j -> "exchange".equals(j.path("kind").asText()))
            .map(j -> j.path("request_id").asText())
            .collect(Collectors.toSet());
    List<String> missing = answered.stream().filter(id -> !recorded.contains(id)).toList();
    assertThat(missing).as("answered requests without a record").isEmpty();
    List<JsonNode> kinds =
        LogReader.read(tmp.resolve("log/segments")).entries().stream()
            .map(LogReader.Entry::json)
            .filter(j -> !"exchange".equals(j.path("kind").asText()))
            .toList();
    // Only a recovery note may appear besides exchanges (when the kill tore a write).
    assertThat(kinds).allSatisfy(j -> assertThat(j.path("kind").asText()).isEqualTo("recovery"));
  }
}
