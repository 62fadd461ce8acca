package dev.lmgate.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code lmgate approvals list|approve ID|deny ID}: decide sensitive tool calls.
 *
 * <p>A command-line entry point: what it prints to stdout and stderr is its user interface (the
 * pending calls, each decision); logs are separate JSON lines.
 */
@Command(
    name = "approvals",
    mixinStandardHelpOptions = true,
    description = "List and decide tool calls waiting for approval (through the admin port).",
    subcommands = {
      ApprovalsCommand.ListPending.class,
      ApprovalsCommand.Approve.class,
      ApprovalsCommand.Deny.class
    })
final class ApprovalsCommand extends CommandGroup {

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List pending approvals.")
  static final class ListPending extends AdminTarget.Call {
    @Override
    HttpResponse<String> send() throws Exception {
      return call("GET", "/approvals", null);
    }

    @Override
    int print(JsonNode answer) {
      JsonNode list = answer.path("approvals");
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

  /** Approve or deny: POST /approvals/ID/VERB, then {@code ID: DONE}. */
  abstract static class Decide extends AdminTarget.Call {
    private final String verb;
    private final String done;

    @Parameters(paramLabel = "ID")
    String id;

    Decide(String verb, String done) {
      this.verb = verb;
      this.done = done;
    }

    @Override
    HttpResponse<String> send() throws Exception {
      return call("POST", "/approvals/" + id + "/" + verb, null);
    }

    @Override
    int print(JsonNode answer) {
      System.out.println(id + ": " + done);
      return 0;
    }
  }

  @Command(name = "approve", mixinStandardHelpOptions = true, description = "Approve a tool call.")
  static final class Approve extends Decide {
    Approve() {
      super("approve", "approved");
    }
  }

  @Command(name = "deny", mixinStandardHelpOptions = true, description = "Deny a tool call.")
  static final class Deny extends Decide {
    Deny() {
      super("deny", "denied");
    }
  }
}
