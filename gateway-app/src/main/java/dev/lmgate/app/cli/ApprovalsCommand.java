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
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lmgate approvals list|approve ID|deny ID}: decide sensitive tool calls. */
@Command(
    name = "approvals",
    mixinStandardHelpOptions = true,
    description = "List and decide tool calls waiting for approval (through the admin port).",
    subcommands = {
      ApprovalsCommand.ListPending.class,
      ApprovalsCommand.Approve.class,
      ApprovalsCommand.Deny.class
    })
final class ApprovalsCommand implements Runnable {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public void run() {
    new picocli.CommandLine(this).usage(System.out);
  }

  /** Where the admin port is and how to authenticate to it. */
  static class Target {
    @Option(
        names = "--admin",
        paramLabel = "URL",
        defaultValue = "http://127.0.0.1:9090",
        description = "The gateway's admin port (default: ${DEFAULT-VALUE}).")
    URI admin;

    @Option(
        names = "--token-file",
        paramLabel = "FILE",
        description = "A file holding the admin token (default: $LMGATE_ADMIN_TOKEN).")
    Path tokenFile;

    String token() throws IOException {
      if (tokenFile != null) {
        return Files.readString(tokenFile).strip();
      }
      String t = System.getenv("LMGATE_ADMIN_TOKEN");
      if (t == null || t.isBlank()) {
        throw new IOException("no admin token: set LMGATE_ADMIN_TOKEN or pass --token-file");
      }
      return t.strip();
    }

    HttpResponse<String> call(String method, String path) throws IOException, InterruptedException {
      return HttpClient.newHttpClient()
          .send(
              HttpRequest.newBuilder(admin.resolve(path))
                  .timeout(Duration.ofSeconds(10))
                  .header("authorization", "Bearer " + token())
                  .method(method, HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
    }

    /** Prints an error answer's message; exit 1. */
    static int failed(HttpResponse<String> r) {
      String message;
      try {
        message = JSON.readTree(r.body()).path("error").path("message").asText(r.body());
      } catch (IOException e) {
        message = r.body();
      }
      System.err.println("lmgate approvals: HTTP " + r.statusCode() + ": " + message);
      return 1;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List pending approvals.")
  static final class ListPending extends Target implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
      HttpResponse<String> r = call("GET", "/approvals");
      if (r.statusCode() != 200) {
        return failed(r);
      }
      JsonNode list = JSON.readTree(r.body()).path("approvals");
      if (list.isEmpty()) {
        System.out.println("no approvals pending");
      }
      for (JsonNode a : list) {
        System.out.println(
            a.path("id").asText()
                + "  "
                + a.path("tool").asText()
                + "  "
                + a.path("arguments").asText()
                + "  by "
                + a.path("principal").asText()
                + "  until "
                + a.path("expires").asText());
      }
      return 0;
    }
  }

  @Command(name = "approve", mixinStandardHelpOptions = true, description = "Approve a tool call.")
  static final class Approve extends Target implements Callable<Integer> {
    @Parameters(paramLabel = "ID")
    String id;

    @Override
    public Integer call() throws Exception {
      HttpResponse<String> r = call("POST", "/approvals/" + id + "/approve");
      if (r.statusCode() != 200) {
        return failed(r);
      }
      System.out.println(id + ": approved");
      return 0;
    }
  }

  @Command(name = "deny", mixinStandardHelpOptions = true, description = "Deny a tool call.")
  static final class Deny extends Target implements Callable<Integer> {
    @Parameters(paramLabel = "ID")
    String id;

    @Override
    public Integer call() throws Exception {
      HttpResponse<String> r = call("POST", "/approvals/" + id + "/deny");
      if (r.statusCode() != 200) {
        return failed(r);
      }
      System.out.println(id + ": denied");
      return 0;
    }
  }
}
