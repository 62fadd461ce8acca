package dev.lmgate.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lmgate.app.compliance.ComplianceReport;
import dev.lmgate.app.config.ConfigLoader;
import dev.lmgate.app.config.GatewayConfig;
import dev.lmgate.audit.checkpoint.VerifierKey;
import dev.lmgate.audit.verify.AuditVerifier;
import dev.lmgate.spi.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lmgate compliance report}: which handbook controls a config enforces, with evidence. */
@Command(
    name = "compliance",
    mixinStandardHelpOptions = true,
    description = "Compliance evidence for the security team.",
    subcommands = ComplianceCommand.Report.class)
final class ComplianceCommand extends CommandGroup {

  @Command(
      name = "report",
      mixinStandardHelpOptions = true,
      description =
          "Report per handbook section which controls the config, as the gateway loads it,"
              + " enforces, which are weakened or off, which the evidence given cannot verify and"
              + " which it contradicts (Markdown or JSON). Exit 0 with a report, 2 when the config"
              + " cannot be read.")
  static final class Report implements Callable<Integer> {
    static final class Source {
      @Option(names = "--config", paramLabel = "FILE", description = "The gateway's config file.")
      Path config;

      @Option(names = "--demo", description = "The config `lmgate demo` runs with.")
      boolean demo;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(
        names = "--audit",
        paramLabel = "DIR",
        description = "An audit log to verify (with the verifier keys stored beside it).")
    Path audit;

    @Option(
        names = "--verifier-key",
        paramLabel = "KEY",
        description =
            "The pinned verifier key (name+hash+key), or a file holding it and the keys it"
                + " replaced. Without it the log is checked with the key stored in the log"
                + " directory, and third-party verifiability is reported not verified.")
    String verifierKey;

    @Option(
        names = "--format",
        defaultValue = "markdown",
        description = "markdown or json (default: ${DEFAULT-VALUE}).")
    String format;

    @Override
    public Integer call() {
      String yaml;
      ConfigLoader loader;
      String name;
      try {
        if (source.demo) {
          Path tmp = Files.createTempDirectory("lmgate-compliance");
          yaml = DemoCommand.demoYaml();
          loader =
              new ConfigLoader(
                  DemoCommand.demoEnv(tmp.resolve("keys.json"), tmp.resolve("audit"), "unused"));
          name = "lmgate demo (demo.yaml)";
        } else {
          yaml = Files.readString(source.config);
          loader = ConfigLoader.fromEnvironment();
          name = source.config.toString();
        }
      } catch (IOException e) {
        return Exit.error("compliance report", e.getMessage());
      }
      JsonNode tree;
      try {
        tree = loader.tree(yaml);
      } catch (ConfigException e) {
        return Exit.error("compliance report", name + ": " + e.getMessage());
      }
      String loadError = null;
      GatewayConfig config = null;
      try {
        config = loader.parse(yaml);
      } catch (ConfigException e) {
        loadError = e.getMessage();
      } finally {
        loader.environment().close();
      }
      ComplianceReport report =
          ComplianceReport.of(name, config, tree, loadError, auditEvidence(), sbom());
      System.out.print(format.equals("json") ? report.toJson() + "\n" : report.toMarkdown());
      return 0;
    }

    private Optional<ComplianceReport.AuditEvidence> auditEvidence() {
      if (audit == null) {
        return Optional.empty();
      }
      boolean pinned = verifierKey != null;
      try {
        if (!Files.isDirectory(audit.resolve("segments"))) {
          throw new IOException(audit + " is not an lmgate audit log (no segments directory)");
        }
        List<VerifierKey> keys =
            pinned
                ? AuditCommand.verifierKeys(verifierKey, audit)
                : VerifierKey.parseAll(Files.readString(audit.resolve("verifier.key")));
        AuditVerifier.Report r =
            AuditVerifier.verify(audit.resolve("segments"), audit.resolve("checkpoints"), keys);
        return Optional.of(
            new ComplianceReport.AuditEvidence(
                audit, r.intact(), r.records(), r.checkpoints(), r.problem(), pinned));
      } catch (IOException | IllegalArgumentException e) {
        return Optional.of(
            new ComplianceReport.AuditEvidence(
                audit, false, 0, 0, "unreadable: " + e.getMessage(), pinned));
      }
    }

    /** The CycloneDX SBOM the build writes beside the jar. */
    private static Optional<String> sbom() {
      try {
        Path jar =
            Path.of(
                ComplianceCommand.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
        Path dir = Files.isDirectory(jar) ? jar.getParent() : jar.getParent();
        Path sbom = dir.resolve("lmgate-sbom.json");
        return Files.isRegularFile(sbom) ? Optional.of(sbom.toString()) : Optional.empty();
      } catch (Exception e) {
        return Optional.empty();
      }
    }
  }
}
