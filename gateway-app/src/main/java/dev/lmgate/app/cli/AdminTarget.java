package dev.lmgate.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Where the gateway's admin port is and how the operator commands authenticate to it: the bearer
 * {@code admin.token} from {@code --token-file} or {@code $LMGATE_ADMIN_TOKEN} (never an argument,
 * so it stays out of shell history and process lists).
 */
class AdminTarget {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(
      names = "--admin",
      paramLabel = "URL",
      defaultValue = "http://127.0.0.1:9090",
      description = "The gateway's admin port (default: ${DEFAULT-VALUE}).")
  URI admin;

  @Option(
      names = "--admin-ca",
      paramLabel = "FILE",
      description =
          "PEM CA certificates to trust for an https:// admin port (admin.tls), instead of the"
              + " JVM's.")
  Path adminCa;

  @Option(
      names = "--token-file",
      paramLabel = "FILE",
      description = "A file holding the admin token (default: $LMGATE_ADMIN_TOKEN).")
  Path tokenFile;

  @Option(
      names = "--operator",
      paramLabel = "NAME",
      defaultValue = "${env:USER:-unnamed}",
      description =
          "Your name, recorded as claimed_operator (unverified) beside the authenticated"
              + " principal (default: $USER).")
  String operator;

  private String token() throws IOException {
    if (tokenFile != null) {
      return Files.readString(tokenFile).strip();
    }
    String t = System.getenv("LMGATE_ADMIN_TOKEN");
    if (t == null || t.isBlank()) {
      throw new IOException("no admin token: set LMGATE_ADMIN_TOKEN or pass --token-file");
    }
    return t.strip();
  }

  /** Calls the admin port; {@code body} is JSON or null. */
  HttpResponse<String> call(String method, String path, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(admin.resolve(path))
            .timeout(Duration.ofSeconds(10))
            .header("authorization", "Bearer " + token())
            .header("x-lmgate-operator", operator == null ? "unnamed" : operator);
    if (body == null) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      b.header("content-type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofString(body));
    }
    return client(adminCa, Duration.ofSeconds(10))
        .send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A client trusting {@code caFile}'s certificates, or the JVM's when it is null. */
  static HttpClient client(Path caFile, Duration connectTimeout) throws IOException {
    HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(connectTimeout);
    if (caFile == null) {
      return b.build();
    }
    try {
      javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
      ctx.init(
          null,
          new javax.net.ssl.TrustManager[] {dev.lmgate.core.tls.UpstreamTls.trusting(caFile)},
          null);
      return b.sslContext(ctx).build();
    } catch (java.security.GeneralSecurityException e) {
      throw new IOException("--admin-ca " + caFile + ": " + e.getMessage(), e);
    }
  }

  /**
   * One call to the admin port: an error answer is printed as {@code lmgate COMMAND: HTTP n:
   * message} (exit 1), COMMAND being the group the subcommand belongs to ({@code admin}, {@code
   * incident}, {@code approvals}); a 200 answer's JSON goes to {@link #print}, whose result is the
   * exit code.
   */
  abstract static class Call extends AdminTarget implements Callable<Integer> {
    @Spec CommandSpec spec;

    abstract HttpResponse<String> send() throws Exception;

    abstract int print(JsonNode answer);

    /** The command named in what this call prints to stderr: its group. */
    String command() {
      return spec.parent() == null ? spec.name() : spec.parent().name();
    }

    @Override
    public Integer call() throws Exception {
      HttpResponse<String> r = send();
      if (r.statusCode() != 200) {
        String message;
        try {
          message = JSON.readTree(r.body()).path("error").path("message").asText(r.body());
        } catch (IOException e) {
          message = r.body();
        }
        return Exit.failed(command(), "HTTP " + r.statusCode() + ": " + message);
      }
      return print(JSON.readTree(r.body()));
    }
  }
}
