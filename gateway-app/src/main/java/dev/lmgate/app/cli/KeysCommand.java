package dev.lmgate.app.cli;

import dev.lmgate.filters.auth.FileKeyStore;
import dev.lmgate.filters.auth.KeyAdmin;
import dev.lmgate.filters.auth.KeyRecord;
import dev.lmgate.filters.auth.KeyStore;
import dev.lmgate.spi.ConfigReader;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.ScopeType;

/**
 * {@code lmgate keys}: client API keys in the embedded key store. A running gateway picks up every
 * change within a second; no restart.
 *
 * <p>A command-line entry point: what it prints is its user interface — a new key goes to stdout
 * exactly once, for the operator to store (it is never logged); hints go to stderr.
 */
@Command(
    name = "keys",
    mixinStandardHelpOptions = true,
    description = "Create, list, rotate and revoke client API keys.",
    subcommands = {
      KeysCommand.Create.class,
      KeysCommand.ListKeys.class,
      KeysCommand.Rotate.class,
      KeysCommand.Revoke.class
    })
final class KeysCommand {
  private static final Logger security = LoggerFactory.getLogger("lmgate.security");

  @Option(
      names = "--store",
      scope = ScopeType.INHERIT, // `keys create --store F` as well as `keys --store F create`
      description =
          "Key store file (default: $LMGATE_KEY_STORE or lmgate-keys.json). The pepper comes from"
              + " $LMGATE_KEY_PEPPER, or else the file <store>.pepper.",
      defaultValue = "${env:LMGATE_KEY_STORE:-lmgate-keys.json}")
  Path store;

  @Option(
      names = "--postgres",
      scope = ScopeType.INHERIT,
      paramLabel = "URL",
      description =
          "The PostgreSQL the replicas share keys in (default: $LMGATE_POSTGRES_URL;"
              + " postgresql://user[:password]@host:port/db); when set, --store is not used and the"
              + " pepper (--pepper-file or $LMGATE_KEY_PEPPER) must be the replicas' own.",
      defaultValue = "${env:LMGATE_POSTGRES_URL:-}")
  String postgres;

  @Option(
      names = "--pepper-file",
      scope = ScopeType.INHERIT,
      paramLabel = "FILE",
      description =
          "Read the pepper from this file (e.g. /run/secrets/lmgate-pepper) instead of"
              + " $LMGATE_KEY_PEPPER.")
  Path pepperFile;

  KeyStore open() throws Exception {
    String pepper =
        pepperFile != null
            ? java.nio.file.Files.readString(pepperFile).strip()
            : System.getenv("LMGATE_KEY_PEPPER");
    if (postgres != null && !postgres.isBlank()) {
      return openShared(pepper == null ? "" : pepper);
    }
    return FileKeyStore.open(store, pepper == null ? "" : pepper, false);
  }

  /** The keys every replica shares, in PostgreSQL; refused when it cannot be read now. */
  private KeyStore openShared(String pepper) throws Exception {
    if (pepper.length() < 32) {
      throw new IllegalArgumentException(
          "keys in PostgreSQL need the replicas' pepper (32+ characters): --pepper-file or"
              + " $LMGATE_KEY_PEPPER");
    }
    String jdbc = dev.lmgate.app.config.SharedState.jdbc("--postgres", postgres.trim());
    dev.lmgate.state.PostgresKeyStore s =
        dev.lmgate.state.PostgresKeyStore.open(
            jdbc,
            new dev.lmgate.filters.auth.KeyHashes(
                pepper.getBytes(java.nio.charset.StandardCharsets.UTF_8), List.of()),
            Clock.systemUTC(),
            Duration.ofMinutes(1),
            Duration.ofSeconds(5));
    if (!s.loaded()) {
      s.close();
      throw new IllegalStateException("PostgreSQL cannot be read now: no key was changed");
    }
    System.err.println("keys in PostgreSQL (shared by the replicas); --store is not used");
    return s;
  }

  /** Shows a new key, once. */
  static void print(KeyAdmin.Issued k) {
    System.out.println("key id:  " + k.record().id());
    System.out.println("expires: " + shown(k.record().expires()));
    System.out.println("api key: " + k.key());
    System.err.println("The key is shown only this once: store it in a secret manager.");
  }

  /** A time to the second, or "never". */
  static String shown(Instant t) {
    return t == null ? "never" : t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
  }

  /** A subcommand on the key store named by {@code --store}; the store is closed after it. */
  abstract static class StoreCommand implements Callable<Integer> {
    @ParentCommand KeysCommand keys;

    /** The work on the open store; returns the exit code. */
    abstract int run(KeyStore store) throws Exception;

    @Override
    public Integer call() throws Exception {
      KeyStore s;
      try {
        s = keys.open();
      } catch (IllegalArgumentException
          | IllegalStateException
          | dev.lmgate.spi.ConfigException e) {
        return Exit.error("keys", e.getMessage());
      }
      try (s) {
        return run(s);
      } catch (IllegalStateException e) { // a shared store that went away: nothing was changed
        if (e.getMessage() != null && e.getMessage().contains("cannot be changed now")) {
          return Exit.error("keys", e.getMessage());
        }
        throw e;
      }
    }
  }

  /** A subcommand on one key: an unknown id is {@code no key with id ID} on stderr, exit 1. */
  abstract static class OneKey extends StoreCommand {
    @Parameters(index = "0", description = "The key id.")
    String id;

    @Override
    public Integer call() throws Exception {
      try {
        return super.call();
      } catch (NoSuchElementException e) {
        System.err.println("no key with id " + id);
        return 1;
      }
    }
  }

  /** Reads {@code 90d}, {@code 24h}, {@code 30m} with the config's duration syntax. */
  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String text) {
      return ConfigReader.parseDuration(text)
          .orElseThrow(
              () ->
                  new CommandLine.TypeConversionException(
                      "'" + text + "' (expected: a duration such as 90d, 24h or 30m)"));
    }
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = "Create a key; it is printed once.")
  static final class Create extends StoreCommand {
    @Option(names = "--name", required = true, description = "What the key is for.")
    String name;

    @Option(
        names = "--role",
        required = true,
        split = ",",
        description = "Role(s) the key grants, as the authorize filter names them.")
    List<String> roles;

    @Option(names = "--owner", defaultValue = "", description = "Who is responsible for the key.")
    String owner;

    @Option(names = "--scope", split = ",", description = "Scopes, for policies and audit.")
    List<String> scopes = List.of();

    @Option(
        names = "--expires",
        converter = DurationConverter.class,
        description = "Lifetime, e.g. 90d, 24h (default: never).")
    Duration expires;

    @Override
    int run(KeyStore s) throws Exception {
      KeyAdmin.Issued k =
          new KeyAdmin(s, Clock.systemUTC()).create(name, owner, roles, scopes, expires);
      security.info("CREDENTIAL_CHANGED reason=key_created key={}", k.record().id());
      print(k);
      return 0;
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "List keys (never their secrets).")
  static final class ListKeys extends StoreCommand {
    @Override
    int run(KeyStore s) throws Exception {
      Instant now = Instant.now();
      String fmt = "%-12s  %-8s  %-20s  %-16s  %-20s  %-20s  %s%n";
      System.out.printf(fmt, "ID", "STATUS", "NAME", "OWNER", "ROLES", "EXPIRES", "REPLACED BY");
      for (KeyRecord r :
          s.list().stream().sorted(Comparator.comparing(KeyRecord::created)).toList()) {
        System.out.printf(
            fmt,
            r.id(),
            r.status(now).name().toLowerCase(Locale.ROOT),
            r.name(),
            r.owner(),
            String.join(",", r.roles()),
            shown(r.expires()),
            r.replacedBy() == null ? "" : r.replacedBy());
      }
      return 0;
    }
  }

  @Command(
      name = "rotate",
      mixinStandardHelpOptions = true,
      description = "Replace a key; the old one keeps working for the overlap, then stops.")
  static final class Rotate extends OneKey {
    @Option(
        names = "--overlap",
        defaultValue = "24h",
        converter = DurationConverter.class,
        description = "How long both keys work (default: ${DEFAULT-VALUE}).")
    Duration overlap;

    @Override
    public Integer call() throws Exception {
      try {
        return super.call();
      } catch (IllegalStateException e) { // the key cannot be rotated: its state says why
        System.err.println(e.getMessage());
        return 1;
      }
    }

    @Override
    int run(KeyStore s) throws Exception {
      KeyAdmin.Issued k = new KeyAdmin(s, Clock.systemUTC()).rotate(id, overlap);
      security.info(
          "CREDENTIAL_CHANGED reason=key_rotated key={} replaced_by={}", id, k.record().id());
      System.out.println(
          "old key " + id + " stops at " + shown(s.find(id).orElseThrow().expires()));
      print(k);
      return 0;
    }
  }

  @Command(
      name = "revoke",
      mixinStandardHelpOptions = true,
      description = "Revoke a key now (effective within a second).")
  static final class Revoke extends OneKey {
    @Override
    int run(KeyStore s) throws Exception {
      new KeyAdmin(s, Clock.systemUTC()).revoke(id);
      security.info("CREDENTIAL_CHANGED reason=key_revoked key={}", id);
      System.out.println("revoked " + id);
      return 0;
    }
  }
}
