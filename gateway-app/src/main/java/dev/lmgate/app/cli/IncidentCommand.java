package dev.lmgate.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code lmgate incident status|lockdown|unlock|kill|revive}: the incident controls of the admin
 * API ({@code /incident}), enforced by the {@code kill-switch} filter. Prints the state after the
 * change.
 */
@Command(
    name = "incident",
    mixinStandardHelpOptions = true,
    description = "Lock the gateway down or kill single keys, subjects, models or routes.",
    subcommands = {
      IncidentCommand.Status.class,
      IncidentCommand.Lockdown.class,
      IncidentCommand.Unlock.class,
      IncidentCommand.Kill.class,
      IncidentCommand.Revive.class
    })
final class IncidentCommand extends CommandGroup {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Calls the admin port and prints the incident state it answers with. */
  abstract static class Call extends AdminTarget.Call {
    @Override
    int print(JsonNode s) {
      System.out.println(
          "lockdown: "
              + s.path("lockdown").asText()
              + (s.path("reason").asText().isEmpty()
                  ? ""
                  : " (" + s.path("reason").asText() + ")"));
      for (String kind : new String[] {"key", "subject", "model", "route"}) {
        JsonNode list = s.path("killed").path(kind);
        if (!list.isEmpty()) {
          StringBuilder b = new StringBuilder("killed " + kind + ":");
          list.forEach(v -> b.append(' ').append(v.asText()));
          System.out.println(b);
        }
      }
      if (!s.path("enforced").asBoolean(true)) {
        return Exit.failed(command(), "warning: " + s.path("warning").asText());
      }
      return 0;
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true, description = "Show what is off.")
  static final class Status extends Call {
    @Override
    HttpResponse<String> send() throws Exception {
      return call("GET", "/incident", null);
    }
  }

  @Command(
      name = "lockdown",
      mixinStandardHelpOptions = true,
      description = "Serve administrators only; everyone else gets 503 with the reason.")
  static final class Lockdown extends Call {
    @Option(
        names = "--reason",
        paramLabel = "TEXT",
        description = "Shown to refused callers (default: incident response in progress).")
    String reason = "";

    @Override
    HttpResponse<String> send() throws Exception {
      return call(
          "POST", "/incident/lockdown", JSON.createObjectNode().put("reason", reason).toString());
    }
  }

  @Command(name = "unlock", mixinStandardHelpOptions = true, description = "End the lockdown.")
  static final class Unlock extends Call {
    @Override
    HttpResponse<String> send() throws Exception {
      return call("DELETE", "/incident/lockdown", null);
    }
  }

  /** KIND VALUE of a kill or revive. */
  abstract static class Target extends Call {
    @Parameters(index = "0", paramLabel = "KIND", description = "key, subject, model or route.")
    String kind;

    @Parameters(
        index = "1",
        paramLabel = "VALUE",
        description = "A key id, a token subject, or a model or route glob.")
    String value;

    String body() {
      ObjectNode o = JSON.createObjectNode().put("kind", kind).put("value", value);
      return o.toString();
    }
  }

  @Command(
      name = "kill",
      mixinStandardHelpOptions = true,
      description = "Refuse a key, subject, model or route with 403 until revived.")
  static final class Kill extends Target {
    @Override
    HttpResponse<String> send() throws Exception {
      return call("POST", "/incident/kill", body());
    }
  }

  @Command(name = "revive", mixinStandardHelpOptions = true, description = "Lift a kill.")
  static final class Revive extends Target {
    @Override
    HttpResponse<String> send() throws Exception {
      return call("DELETE", "/incident/kill", body());
    }
  }
}
