package dev.lmgate.app.cli;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lmgate health}: asks a running gateway's admin port whether it is up (exit 0) or not (exit
 * 1), for container health checks and Kubernetes exec probes — images need no curl, and the admin
 * port can stay on the container's loopback.
 */
@Command(
    name = "health",
    mixinStandardHelpOptions = true,
    description = "Probe a running gateway: exit 0 when the URL answers 200, 1 otherwise.")
final class HealthCommand implements Callable<Integer> {
  @Option(
      names = "--url",
      defaultValue = "http://127.0.0.1:9090/healthz",
      description = "The probe (default: ${DEFAULT-VALUE}; /readyz also checks LM Studio).")
  URI url;

  @Option(
      names = "--ca-file",
      paramLabel = "FILE",
      description = "PEM CA certificates to trust for an https:// probe (admin.tls).")
  java.nio.file.Path caFile;

  @Option(
      names = "--timeout",
      defaultValue = "3",
      description = "Seconds (default: ${DEFAULT-VALUE}).")
  int timeout;

  @Override
  public Integer call() {
    try {
      HttpResponse<String> r =
          AdminTarget.client(caFile, Duration.ofSeconds(timeout))
              .send(
                  HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(timeout)).GET().build(),
                  HttpResponse.BodyHandlers.ofString());
      System.out.println(url + ": " + r.statusCode());
      return r.statusCode() == 200 ? 0 : 1;
    } catch (Exception e) {
      System.out.println(url + ": " + e.getClass().getSimpleName());
      return 1;
    }
  }
}
