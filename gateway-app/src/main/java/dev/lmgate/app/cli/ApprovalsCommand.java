package dev.lmgate.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
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

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List pending approvals.")
  static final class ListPending extends AdminTarget implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
      HttpResponse<String> r = call("GET", "/approvals", null);
      if (r.statusCode() != 200) {
        return failed("approvals", r);
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
  static final class Approve extends AdminTarget implements Callable<Integer> {
    @Parameters(paramLabel = "ID")
    String id;

    @Override
    public Integer call() throws Exception {
      HttpResponse<String> r = call("POST", "/approvals/" + id + "/approve", null);
      if (r.statusCode() != 200) {
        return failed("approvals", r);
      }
      System.out.println(id + ": approved");
      return 0;
    }
  }

  @Command(name = "deny", mixinStandardHelpOptions = true, description = "Deny a tool call.")
  static final class Deny extends AdminTarget implements Callable<Integer> {
    @Parameters(paramLabel = "ID")
    String id;

    @Override
    public Integer call() throws Exception {
      HttpResponse<String> r = call("POST", "/approvals/" + id + "/deny", null);
      if (r.statusCode() != 200) {
        return failed("approvals", r);
      }
      System.out.println(id + ": denied");
      return 0;
    }
  }
}
