package dev.lmgate.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lmgate.app.config.AuditKeys;
import dev.lmgate.audit.checkpoint.Checkpoint;
import dev.lmgate.audit.checkpoint.CheckpointStore;
import dev.lmgate.audit.checkpoint.VerifierKey;
import dev.lmgate.audit.crypto.PeriodKeys;
import dev.lmgate.audit.export.EcsFormat;
import dev.lmgate.audit.log.LogReader;
import dev.lmgate.audit.verify.AuditVerifier;
import dev.lmgate.audit.verify.ConsistencyProof;
import dev.lmgate.audit.verify.InclusionProof;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code lmgate audit}: verify, read, export and prove the audit log, offline.
 *
 * <p>A command-line entry point: results go to stdout, diagnostics to stderr; exit 0 means success
 * (for {@code verify}: the log is intact), 1 a failed check, 2 a usage or I/O error.
 */
@Command(
    name = "audit",
    mixinStandardHelpOptions = true,
    description = "Verify, show, export and prove the audit log.",
    subcommands = {
      AuditCommand.Verify.class,
      AuditCommand.Show.class,
      AuditCommand.Export.class,
      AuditCommand.Prove.class,
      AuditCommand.Consistency.class,
      AuditCommand.CheckProof.class
    })
final class AuditCommand {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Options every subcommand that reads a log shares. */
  static class LogOptions {
    @Parameters(index = "0", paramLabel = "DIR", description = "The audit log directory.")
    Path dir;

    @Option(
        names = "--checkpoints",
        paramLabel = "DIR",
        description = "Where the signed checkpoints are (default: DIR/checkpoints).")
    Path checkpoints;

    Path segments() {
      return dir.resolve("segments");
    }

    Path checkpointDir() {
      return checkpoints != null ? checkpoints : dir.resolve("checkpoints");
    }

    void requireLog() throws IOException {
      if (!Files.isDirectory(segments())) {
        throw new IOException(dir + " is not an lmgate audit log (no segments directory)");
      }
    }
  }

  /**
   * A subcommand that reads the log at DIR: it stops with exit 2 when DIR is not a log or cannot be
   * read, printing {@code lmgate audit NAME: message}.
   */
  abstract static class LogCommand extends LogOptions implements Callable<Integer> {
    private final String name;

    LogCommand(String name) {
      this.name = name;
    }

    /** The work, on a log that is there; returns the exit code. */
    abstract int run() throws IOException;

    @Override
    public Integer call() {
      try {
        requireLog();
        return run();
      } catch (IOException e) {
        return Exit.error("audit " + name, e.getMessage());
      }
    }

    /** Prints {@code lmgate audit NAME: message}; exit 1. */
    int failed(String message) {
      return Exit.failed("audit " + name, message);
    }
  }

  /**
   * Verifier keys given as text or as a file (one per line: the current key, then those of signing
   * keys it replaced), else the copy in the log directory.
   */
  static List<VerifierKey> verifierKeys(String given, Path dir) throws IOException {
    String text;
    if (given == null) {
      Path f = dir.resolve("verifier.key");
      System.err.println(
          "note: using the verifier key stored in the log directory; pin a copy kept elsewhere"
              + " with --key");
      text = Files.readString(f);
    } else if (Files.isRegularFile(Path.of(given))) {
      text = Files.readString(Path.of(given));
    } else {
      text = given;
    }
    try {
      return VerifierKey.parseAll(text);
    } catch (IllegalArgumentException e) {
      throw new IOException("the verifier key is not valid: " + e.getMessage());
    }
  }

  /** Prints a proof as pretty JSON, for {@code lmgate audit check-proof} or a third party. */
  static void printProof(Object proof) throws IOException {
    System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(proof));
  }

  @Command(
      name = "verify",
      mixinStandardHelpOptions = true,
      description =
          "Check every record, the hash chain, and every checkpoint's signature and root. Exit 0"
              + " when intact, 1 with the first problem otherwise.")
  static final class Verify extends LogCommand {
    @Option(
        names = "--key",
        paramLabel = "KEY",
        description =
            "The verifier key (name+hash+key), or a file holding it and the keys it replaced.")
    String key;

    Verify() {
      super("verify");
    }

    @Override
    int run() throws IOException {
      AuditVerifier.Report r =
          AuditVerifier.verify(segments(), checkpointDir(), verifierKeys(key, dir));
      if (!r.intact()) {
        System.out.println("TAMPERED: " + r.problem());
        System.out.println(
            r.records() + " records read before it; " + r.checkpoints() + " checkpoints verified.");
        return 1;
      }
      System.out.println(
          "intact: "
              + r.records()
              + " records, "
              + r.checkpoints()
              + " signed checkpoints"
              + (r.unsigned() > 0
                  ? ", " + r.unsigned() + " records after the newest checkpoint"
                  : ""));
      if (r.note() != null) {
        System.out.println("note: " + r.note());
      }
      return 0;
    }
  }

  /** Options of the commands that print records. */
  static class ReadOptions extends LogOptions {
    @Option(
        names = "--master-key",
        paramLabel = "REF",
        description =
            "env:NAME or file:PATH of the master key, to decrypt encrypted payloads (authorized"
                + " use only); repeat it for master keys rotated out.")
    List<String> masterKeys;

    @Option(names = "--from", description = "First record (seq) to print.", defaultValue = "0")
    long from;

    @Option(names = "--to", description = "Last record (seq) to print.", defaultValue = "-1")
    long to;

    @Option(
        names = "--request",
        paramLabel = "ID",
        description = "Only records of this request id.")
    String request;

    /** Prints the selected records and returns the exit code; errors go to stderr (exit 2). */
    int printOrReport(String command, boolean ecs) {
      try {
        return print(ecs);
      } catch (IOException | IllegalArgumentException e) {
        return Exit.error("audit " + command, e.getMessage());
      }
    }

    /** Prints the selected records; returns the exit code. */
    int print(boolean ecs) throws IOException {
      requireLog();
      PeriodKeys keys = null;
      if (masterKeys != null && !masterKeys.isEmpty()) {
        List<dev.lmgate.audit.crypto.MasterKey> all = new java.util.ArrayList<>();
        for (String ref : masterKeys) {
          all.add(AuditKeys.existingMasterKey(ref, System::getenv)); // never creates one
        }
        keys = new PeriodKeys(dir.resolve("keys"), all.get(0), all.subList(1, all.size()));
      }
      // Streams the log: a multi-GB log prints or exports in bounded memory.
      PeriodKeys openWith = keys;
      boolean[] undecryptable = {false};
      IOException[] failed = {null};
      LogReader.Result r =
          LogReader.scan(
              segments(),
              e -> {
                if (failed[0] != null
                    || e.seq() < from
                    || (to >= 0 && e.seq() > to)
                    || (request != null && !request.equals(e.json().path("request_id").asText()))) {
                  return;
                }
                try {
                  JsonNode out;
                  if (ecs) {
                    out = EcsFormat.toEcs(e.json());
                  } else {
                    ObjectNode n = (ObjectNode) e.json().deepCopy();
                    if (openWith != null && "encrypted".equals(n.path("payloads").asText())) {
                      for (String field : List.of("prompt", "response")) {
                        if (!decrypt(openWith, n, field)) {
                          undecryptable[0] = true;
                        }
                      }
                    }
                    out = n;
                  }
                  System.out.println(JSON.writeValueAsString(out));
                } catch (IOException ex) {
                  failed[0] = ex;
                }
              });
      if (failed[0] != null) {
        throw failed[0];
      }
      if (!r.intact() && !r.tornTail()) {
        System.err.println("warning: the log fails verification: " + r.problem());
      }
      return undecryptable[0] ? 1 : 0;
    }

    private static boolean decrypt(PeriodKeys keys, ObjectNode n, String field) throws IOException {
      JsonNode sealed = n.path(field);
      if (!sealed.isObject() || !sealed.has("ct")) {
        return true;
      }
      String context = n.path("request_id").asText() + "/" + field;
      try {
        Optional<byte[]> plain = keys.open(context, sealed);
        if (plain.isEmpty()) {
          n.putObject(field).put("destroyed", sealed.path("key").asText());
        } else {
          n.set(field, JSON.readTree(plain.get()));
        }
        return true;
      } catch (GeneralSecurityException e) {
        n.putObject(field).put("error", "does not decrypt: altered, or another master key");
        System.err.println(
            "record " + n.path("seq").asLong() + ": the " + field + " does not decrypt");
        return false;
      }
    }
  }

  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description = "Print records as JSON lines; with --master-key, payloads decrypted.")
  static final class Show extends ReadOptions implements Callable<Integer> {
    @Override
    public Integer call() {
      return printOrReport("show", false);
    }
  }

  @Command(
      name = "export",
      mixinStandardHelpOptions = true,
      description =
          "Print records for a SIEM: --format ecs (Elastic Common Schema, no payloads) or records"
              + " (as stored; with --master-key, decrypted).")
  static final class Export extends ReadOptions implements Callable<Integer> {
    @Option(
        names = "--format",
        defaultValue = "ecs",
        description = "ecs or records (default: ${DEFAULT-VALUE}).")
    String format;

    @Override
    public Integer call() {
      if (!"ecs".equals(format) && !"records".equals(format)) {
        return Exit.error("audit export", "--format " + format + " (expected: ecs or records)");
      }
      return printOrReport("export", "ecs".equals(format));
    }
  }

  @Command(
      name = "prove",
      mixinStandardHelpOptions = true,
      description =
          "Print an inclusion proof for a record (by seq or request id) against the newest signed"
              + " checkpoint; check it with `lmgate audit check-proof`.")
  static final class Prove extends LogCommand {
    @Parameters(index = "1", paramLabel = "ID", description = "A record's seq or a request id.")
    String id;

    Prove() {
      super("prove");
    }

    @Override
    int run() throws IOException {
      LogReader.Result r = LogReader.read(segments());
      LogReader.Entry entry = null;
      for (LogReader.Entry e : r.entries()) {
        boolean bySeq = id.matches("\\d{1,18}") && e.seq() == Long.parseLong(id);
        if (bySeq || id.equals(e.json().path("request_id").asText())) {
          entry = e;
          break;
        }
      }
      if (entry == null) {
        return failed("no record " + id);
      }
      List<CheckpointStore.Stored> cps = new CheckpointStore(checkpointDir()).list();
      CheckpointStore.Stored latest = cps.isEmpty() ? null : cps.get(cps.size() - 1);
      if (latest == null || latest.namedSize() <= entry.seq()) {
        return failed(
            "record "
                + entry.seq()
                + " is not yet covered by a signed checkpoint (one is signed every few seconds"
                + " while records arrive, and on shutdown)");
      }
      Checkpoint cp = parseUnverified(latest.note());
      if (cp == null || cp.size() > r.entries().size()) {
        return failed("the newest checkpoint does not match the log; run verify");
      }
      printProof(
          InclusionProof.build(entry.seq(), entry.line(), r.leafHashes(), cp, latest.note()));
      return 0;
    }

    /** The body of a note, read without checking its signature (the proof's checker does). */
    static Checkpoint parseUnverified(String note) {
      int split = note.lastIndexOf("\n\n");
      return split < 0 ? null : Checkpoint.parse(note.substring(0, split + 1)).orElse(null);
    }
  }

  @Command(
      name = "consistency",
      mixinStandardHelpOptions = true,
      description =
          "Print a consistency proof between two signed checkpoints (by tree size; default: the"
              + " oldest and the newest); check it with `lmgate audit check-proof`.")
  static final class Consistency extends LogCommand {
    @Option(names = "--from", paramLabel = "SIZE", description = "The older checkpoint's size.")
    Long from;

    @Option(names = "--to", paramLabel = "SIZE", description = "The newer checkpoint's size.")
    Long to;

    Consistency() {
      super("consistency");
    }

    @Override
    int run() throws IOException {
      List<CheckpointStore.Stored> cps = new CheckpointStore(checkpointDir()).list();
      if (cps.isEmpty()) {
        return failed("no checkpoints in " + checkpointDir());
      }
      CheckpointStore.Stored older = pick(cps, from, cps.get(0));
      CheckpointStore.Stored newer = pick(cps, to, cps.get(cps.size() - 1));
      if (older == null || newer == null) {
        return failed("no checkpoint of that size");
      }
      Checkpoint o = Prove.parseUnverified(older.note());
      Checkpoint n = Prove.parseUnverified(newer.note());
      LogReader.Result r = LogReader.read(segments());
      if (o == null
          || n == null
          || o.size() < 1
          || o.size() > n.size()
          || n.size() > r.entries().size()) {
        return failed("the checkpoints do not fit the log; run verify");
      }
      printProof(ConsistencyProof.build(r.leafHashes(), o, older.note(), n, newer.note()));
      return 0;
    }

    private static CheckpointStore.Stored pick(
        List<CheckpointStore.Stored> cps, Long size, CheckpointStore.Stored dflt) {
      if (size == null) {
        return dflt;
      }
      return cps.stream().filter(c -> c.namedSize() == size).findFirst().orElse(null);
    }
  }

  @Command(
      name = "check-proof",
      mixinStandardHelpOptions = true,
      description =
          "Check an inclusion proof (`audit prove`) or a consistency proof (`audit consistency`)"
              + " against a verifier key. Exit 0 when it holds.")
  static final class CheckProof implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "The proof (JSON), or - for stdin.")
    String file;

    @Option(
        names = "--key",
        required = true,
        paramLabel = "KEY",
        description =
            "The verifier key (name+hash+key), or a file holding it and the keys it replaced.")
    String key;

    @Override
    public Integer call() {
      try {
        JsonNode proof =
            "-".equals(file) ? JSON.readTree(System.in) : JSON.readTree(Path.of(file).toFile());
        List<VerifierKey> vk = verifierKeys(key, Path.of("."));
        boolean consistency = ConsistencyProof.FORMAT.equals(proof.path("format").asText());
        Optional<String> problem =
            consistency ? ConsistencyProof.check(proof, vk) : InclusionProof.check(proof, vk);
        if (problem.isPresent()) {
          System.out.println("INVALID: " + problem.get());
          return 1;
        }
        if (consistency) {
          System.out.println(
              "valid: the signed log of "
                  + proof.path("new_size").asLong()
                  + " records extends the signed log of "
                  + proof.path("old_size").asLong());
          return 0;
        }
        System.out.println(
            "valid: record "
                + proof.path("seq").asLong()
                + " is in the signed log of "
                + proof.path("tree_size").asLong()
                + " records");
        return 0;
      } catch (IOException e) {
        return Exit.error("audit check-proof", e.getMessage());
      }
    }
  }
}
