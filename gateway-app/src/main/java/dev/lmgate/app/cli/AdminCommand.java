package dev.lmgate.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code lmgate admin …}: the running gateway's operator routes (keys, config, audit) through its
 * admin port. The same work on files, without a running gateway: {@code lmgate keys}, {@code lmgate
 * config check}, {@code lmgate audit verify}.
 *
 * <p>A command-line entry point: what it prints to stdout and stderr is its user interface (the
 * operator's answers, a new key shown once); logs are separate JSON lines.
 */
@Command(
    name = "admin",
    mixinStandardHelpOptions = true,
    description = "Operate a running gateway through its admin port (keys, config, audit).",
    subcommands = {
      AdminCommand.Keys.class,
      AdminCommand.Create.class,
      AdminCommand.Rotate.class,
      AdminCommand.Revoke.class,
      AdminCommand.Validate.class,
      AdminCommand.Reload.class,
      AdminCommand.VerifyAudit.class
    })
final class AdminCommand extends CommandGroup {
  private static final ObjectMapper JSON = new ObjectMapper();

  static void printKey(JsonNode k) {
    System.out.println(
        k.path("id").asText()
            + "  "
            + k.path("name").asText()
            + "  roles "
            + k.path("roles")
            + (k.path("expires").isNull() ? "" : "  expires " + k.path("expires").asText())
            + (k.path("revoked").isNull() ? "" : "  REVOKED " + k.path("revoked").asText()));
  }

  /** A key just issued: its record, then the key itself (shown this once). */
  static int printIssued(JsonNode k) {
    printKey(k);
    System.out.println(k.path("key").asText());
    return 0;
  }

  @Command(name = "keys", mixinStandardHelpOptions = true, description = "List the API keys.")
  static final class Keys extends AdminTarget.Call {
    @Override
    HttpResponse<String> send() throws Exception {
      return call("GET", "/keys", null);
    }

    @Override
    int print(JsonNode a) {
      a.path("keys").forEach(AdminCommand::printKey);
      return 0;
    }
  }

  @Command(
      name = "create-key",
      mixinStandardHelpOptions = true,
      description = "Create an API key; it is printed once.")
  static final class Create extends AdminTarget.Call {
    @Option(names = "--name", required = true)
    String name;

    @Option(names = "--owner", defaultValue = "")
    String owner;

    @Option(names = "--role", required = true, description = "A role (repeatable).")
    List<String> roles;

    @Option(names = "--scope", description = "A scope (repeatable).")
    List<String> scopes = List.of();

    @Option(names = "--expires-in", paramLabel = "DURATION", description = "e.g. 90d")
    String expiresIn;

    @Override
    HttpResponse<String> send() throws Exception {
      ObjectNode b = JSON.createObjectNode().put("name", name).put("owner", owner);
      roles.forEach(b.putArray("roles")::add);
      scopes.forEach(b.putArray("scopes")::add);
      if (expiresIn != null) {
        b.put("expires-in", expiresIn);
      }
      return call("POST", "/keys", b.toString());
    }

    @Override
    int print(JsonNode a) {
      return printIssued(a);
    }
  }

  @Command(
      name = "rotate-key",
      mixinStandardHelpOptions = true,
      description = "Replace a key; both work during the overlap.")
  static final class Rotate extends AdminTarget.Call {
    @Parameters(paramLabel = "ID")
    String id;

    @Option(names = "--overlap", defaultValue = "24h")
    String overlap;

    @Override
    HttpResponse<String> send() throws Exception {
      return call(
          "POST",
          "/keys/" + id + "/rotate",
          JSON.createObjectNode().put("overlap", overlap).toString());
    }

    @Override
    int print(JsonNode a) {
      return printIssued(a);
    }
  }

  @Command(name = "revoke-key", mixinStandardHelpOptions = true, description = "Revoke a key now.")
  static final class Revoke extends AdminTarget.Call {
    @Parameters(paramLabel = "ID")
    String id;

    @Override
    HttpResponse<String> send() throws Exception {
      return call("DELETE", "/keys/" + id, null);
    }

    @Override
    int print(JsonNode a) {
      System.out.println(a.path("id").asText() + ": revoked");
      return 0;
    }
  }

  @Command(
      name = "validate",
      mixinStandardHelpOptions = true,
      description = "Ask the gateway whether a config file would load (nothing changes).")
  static final class Validate extends AdminTarget.Call {
    @Parameters(paramLabel = "FILE")
    Path file;

    @Override
    HttpResponse<String> send() throws Exception {
      return call("POST", "/config/validate", Files.readString(file));
    }

    @Override
    int print(JsonNode a) {
      System.out.println(file + ": valid; filters " + a.path("filters"));
      return 0;
    }
  }

  @Command(
      name = "reload",
      mixinStandardHelpOptions = true,
      description = "Re-read the gateway's config file now.")
  static final class Reload extends AdminTarget.Call {
    @Override
    HttpResponse<String> send() throws Exception {
      return call("POST", "/config/reload", null);
    }

    @Override
    int print(JsonNode a) {
      System.out.println("reloaded");
      return 0;
    }
  }

  @Command(
      name = "verify-audit",
      mixinStandardHelpOptions = true,
      description = "Have the gateway verify its audit log: exit 0 intact, 1 tampered.")
  static final class VerifyAudit extends AdminTarget.Call {
    @Override
    HttpResponse<String> send() throws Exception {
      return call("POST", "/audit/verify", null);
    }

    @Override
    int print(JsonNode a) {
      if (!a.path("intact").asBoolean()) {
        System.out.println("TAMPERED: " + a.path("problem").asText());
        return 1;
      }
      System.out.println(
          "intact: "
              + a.path("records").asLong()
              + " records, "
              + a.path("checkpoints").asInt()
              + " signed checkpoints");
      return 0;
    }
  }
}
