package dev.lmgate.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lmgate.filters.auth.ApiKeys;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

public class KeysCommandTest {
  @TempDir Path dir;

  public record Run(int code, String out) {}

  /** Runs {@code lmgate ARGS}, capturing what it prints to stdout. */
  public static Run lmgate(String... args) {
    PrintStream saved = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      int code = new CommandLine(new Lmgate()).execute(args);
      return new Run(code, buf.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(saved);
    }
  }

  static String field(Run r, String label) {
    return r.out()
        .lines()
        .filter(l -> l.startsWith(label))
        .map(l -> l.substring(label.length()).trim())
        .findFirst()
        .orElseThrow();
  }

  @Test
  void createListRotateRevoke_withTheStoreOptionAfterTheSubcommand() throws Exception {
    String store = dir.resolve("keys.json").toString();
    Run created = lmgate("keys", "create", "--store", store, "--name", "ci", "--role", "developer");
    assertThat(created.code()).isZero();
    String key = field(created, "api key:");
    String id = field(created, "key id:");
    assertThat(ApiKeys.parse(key)).get().extracting(ApiKeys.Parsed::id).isEqualTo(id);
    String secret = ApiKeys.parse(key).orElseThrow().secret();

    Run rotated = lmgate("keys", "rotate", id, "--overlap", "1h", "--store", store);
    assertThat(rotated.code()).isZero();
    String newId = field(rotated, "key id:");

    Run list = lmgate("keys", "--store", store, "list");
    assertThat(list.out()).contains(id).contains(newId).doesNotContain(secret);
    assertThat(Files.readString(Path.of(store))).doesNotContain(secret);

    assertThat(lmgate("keys", "revoke", newId, "--store", store).code()).isZero();
    assertThat(lmgate("keys", "--store", store, "list").out())
        .containsPattern(newId + "\\s+revoked");
    assertThat(lmgate("keys", "revoke", "nosuchkey000", "--store", store).code()).isEqualTo(1);
    assertThat(lmgate("keys", "create", "--store", store, "--name", "x").code())
        .as("a key needs a role")
        .isNotZero();
    assertThat(
            lmgate(
                    "keys",
                    "create",
                    "--store",
                    store,
                    "--name",
                    "x",
                    "--role",
                    "r",
                    "--expires",
                    "soon")
                .code())
        .as("a bad duration is a usage error, not a stack trace")
        .isEqualTo(2);
  }
}
