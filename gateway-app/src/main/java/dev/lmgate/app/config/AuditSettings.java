package dev.lmgate.app.config;

import dev.lmgate.audit.AuditTrail;
import dev.lmgate.audit.alert.AlertRules;
import dev.lmgate.audit.alert.AlertSink;
import dev.lmgate.audit.alert.WebhookAlerter;
import dev.lmgate.audit.checkpoint.FilePermissions;
import dev.lmgate.audit.checkpoint.SigningKey;
import dev.lmgate.audit.checkpoint.VerifierKey;
import dev.lmgate.audit.crypto.MasterKey;
import dev.lmgate.audit.export.JsonLinesSink;
import dev.lmgate.audit.export.RecordSink;
import dev.lmgate.audit.export.SyslogSink;
import dev.lmgate.audit.log.LogSettings;
import dev.lmgate.audit.log.SegmentFile;
import dev.lmgate.audit.record.PayloadMode;
import dev.lmgate.audit.record.PayloadPolicy;
import dev.lmgate.filters.sensitive.SensitiveData;
import dev.lmgate.spi.ConfigException;
import dev.lmgate.spi.ConfigReader;
import dev.lmgate.spi.Secret;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The validated {@code audit:} section (docs/audit.md). Opening it creates what is missing (log
 * directories 0700, a signing key, a master key file) and checks the log before the gateway serves.
 * Audit settings take effect on restart.
 *
 * @param dir the log directory (segments under {@code dir/segments})
 * @param checkpoints where signed checkpoints go (default {@code dir/checkpoints})
 * @param signingKey the Ed25519 signing key file (created when missing), or a {@code ${secret:…}}
 *     reference to a key file's text
 * @param masterKey {@code env:NAME} or {@code file:PATH} (created when missing) for the key that
 *     wraps payload keys; empty when no payload is encrypted
 * @param mode strict or async
 * @param policy payload modes and retention classes
 * @param retention how long each class's payloads stay readable
 * @param checkpointInterval how often a checkpoint is signed
 * @param queue records waiting for the writer at most
 * @param segmentBytes segment size before a new one starts
 * @param exports SIEM exports
 * @param webhook the alert webhook, or {@code null}
 * @param webhookSecret {@code env:NAME} or {@code file:PATH} of the webhook's HMAC secret
 * @param alerts alert thresholds
 * @param previousMasterKeys {@code env:}/{@code file:} references of master keys rotated out, still
 *     tried when opening older day keys
 * @param previousVerifierKeys verifier keys of signing keys rotated out: checkpoints they signed
 *     keep verifying
 */
public record AuditSettings(
    Path dir,
    Path checkpoints,
    String signingKey,
    String masterKey,
    AuditTrail.Mode mode,
    PayloadPolicy policy,
    Map<String, Duration> retention,
    Duration checkpointInterval,
    int queue,
    long segmentBytes,
    List<Export> exports,
    URI webhook,
    String webhookSecret,
    AlertRules.Settings alerts,
    List<String> previousMasterKeys,
    List<VerifierKey> previousVerifierKeys) {
  private static final Logger log = LoggerFactory.getLogger(AuditSettings.class);
  private static final Set<String> KEYS =
      Set.of(
          "enabled",
          "dir",
          "checkpoints",
          "signing-key",
          "master-key",
          "previous-master-keys",
          "previous-verifier-keys",
          "mode",
          "payloads",
          "rules",
          "retention",
          "checkpoint-interval",
          "queue",
          "segment-bytes",
          "export",
          "alerts");

  /** One SIEM export: {@code jsonl} to a file ({@code -} for stdout) or {@code syslog} over TCP. */
  public record Export(String type, String path, String host, int port, boolean tls, Path caFile) {}

  /** Parses the section; {@code null} when it is absent or {@code enabled: false}. */
  static AuditSettings parse(ConfigReader parent, Set<String> routeIds) throws ConfigException {
    if (!parent.has("audit")) {
      return null;
    }
    ConfigReader a = parent.child("audit").only(KEYS);
    if (!a.bool("enabled", true)) {
      return null;
    }
    Path dir = Path.of(a.string("dir", "lmgate-audit"));
    PayloadMode payloads = payloadMode(a, "payloads", PayloadMode.ENCRYPTED);
    List<PayloadPolicy.Rule> rules = new ArrayList<>();
    for (ConfigReader r : a.list("rules")) {
      r.only(Set.of("routes", "roles", "payloads", "class"));
      for (String g : r.strings("routes")) {
        if (routeIds.stream().noneMatch(id -> PayloadPolicy.glob(g, id))) {
          throw new ConfigException(
              r.path() + ".routes",
              g,
              "a route id or glob matching one of " + new java.util.TreeSet<>(routeIds));
        }
      }
      String cls = r.string("class", null);
      if (cls != null && !cls.matches("[a-z][a-z0-9-]{0,31}")) {
        throw new ConfigException(r.path() + ".class", cls, "a lowercase name such as compliance");
      }
      rules.add(
          new PayloadPolicy.Rule(
              r.strings("routes"), r.strings("roles"), payloadMode(r, "payloads", null), cls));
    }
    PayloadPolicy policy = new PayloadPolicy(payloads, rules);
    Map<String, Duration> retention = new LinkedHashMap<>();
    retention.put(PayloadPolicy.OPERATIONAL, Duration.ofDays(365));
    retention.put(PayloadPolicy.COMPLIANCE, Duration.ofDays(7 * 365));
    ConfigReader ret = a.child("retention");
    if (ret.node().isObject()) {
      for (var it = ret.node().fieldNames(); it.hasNext(); ) {
        String cls = it.next();
        retention.put(cls, ret.duration(cls, null));
      }
    }
    for (PayloadPolicy.Rule r : rules) {
      if (r.retentionClass() != null && !retention.containsKey(r.retentionClass())) {
        throw new ConfigException(
            "audit.rules.class", r.retentionClass(), "a class listed under audit.retention");
      }
    }
    String master = a.string("master-key", "");
    boolean encrypts =
        payloads == PayloadMode.ENCRYPTED
            || rules.stream().anyMatch(r -> r.payloads() == PayloadMode.ENCRYPTED);
    if (encrypts && master.isEmpty()) {
      throw new ConfigException(
          "audit.master-key",
          "(missing)",
          "${secret:…}, env:NAME or file:PATH for encrypted payloads (or payloads: redacted, hash-only, none)");
    }
    if (!master.isEmpty() && !isKeyReference(master)) {
      throw new ConfigException("audit.master-key", "(hidden)", KEY_REFERENCE);
    }
    List<String> previous =
        a.has("previous-master-keys") ? a.strings("previous-master-keys") : List.of();
    for (String p : previous) {
      if (!isKeyReference(p)) {
        throw new ConfigException("audit.previous-master-keys", "(hidden)", KEY_REFERENCE);
      }
    }
    List<Export> exports = new ArrayList<>();
    for (ConfigReader e : a.list("export")) {
      e.only(Set.of("type", "path", "host", "port", "tls", "ca-file"));
      String type = e.requiredString("type");
      switch (type) {
        case "jsonl" ->
            exports.add(new Export(type, e.requiredString("path"), null, 0, false, null));
        case "syslog" -> {
          String ca = e.string("ca-file", null);
          exports.add(
              new Export(
                  type,
                  null,
                  e.requiredString("host"),
                  (int) e.integer("port", 6514, 1, 65535),
                  e.bool("tls", false),
                  ca == null ? null : Path.of(ca)));
        }
        default -> throw new ConfigException(e.path() + ".type", type, "jsonl or syslog");
      }
    }
    ConfigReader al =
        a.child("alerts")
            .only(
                Set.of("webhook", "secret", "auth-failures", "blocks", "block-filters", "window"));
    AlertRules.Settings d = AlertRules.Settings.defaults();
    AlertRules.Settings alerts =
        new AlertRules.Settings(
            (int) al.integer("auth-failures", d.authFailures(), 1, 1_000_000),
            (int) al.integer("blocks", d.blocks(), 1, 1_000_000),
            al.has("block-filters") ? al.strings("block-filters") : d.blockingFilters(),
            al.duration("window", d.window()));
    URI webhook = null;
    String secret = al.string("secret", "");
    String hook = al.string("webhook", null);
    if (hook != null) {
      try {
        webhook = URI.create(hook);
      } catch (IllegalArgumentException e) {
        throw new ConfigException("audit.alerts.webhook", hook, "an http(s) URL");
      }
      if (!"https".equals(webhook.getScheme()) && !"http".equals(webhook.getScheme())) {
        throw new ConfigException("audit.alerts.webhook", hook, "an http(s) URL");
      }
      if (!isKeyReference(secret)) {
        throw new ConfigException(
            "audit.alerts.secret", secret.isEmpty() ? "(missing)" : "(hidden)", KEY_REFERENCE);
      }
    }
    List<VerifierKey> previousVerifiers = new ArrayList<>();
    for (String v :
        a.has("previous-verifier-keys") ? a.strings("previous-verifier-keys") : List.<String>of()) {
      try {
        previousVerifiers.add(VerifierKey.parse(v));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(
            "audit.previous-verifier-keys",
            v,
            "a verifier key name+hash+key (" + e.getMessage() + ")");
      }
    }
    String cps = a.string("checkpoints", null);
    return new AuditSettings(
        dir,
        cps == null ? dir.resolve("checkpoints") : Path.of(cps),
        a.string("signing-key", dir + "-signing.key"),
        master,
        a.enumValue("mode", AuditTrail.Mode.class, AuditTrail.Mode.ASYNC),
        policy,
        retention,
        a.duration("checkpoint-interval", Duration.ofSeconds(10)),
        (int) a.integer("queue", 65_536, 16, 16 << 20),
        a.integer("segment-bytes", 64L << 20, 4096, 1L << 40),
        exports,
        webhook,
        secret,
        alerts,
        previous,
        previousVerifiers);
  }

  private static PayloadMode payloadMode(ConfigReader r, String key, PayloadMode dflt)
      throws ConfigException {
    String s = r.string(key, null);
    if (s == null) {
      return dflt;
    }
    try {
      return PayloadMode.parse(s);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(r.path() + "." + key, s, "encrypted, redacted, hash-only or none");
    }
  }

  public LogSettings logSettings() {
    return new LogSettings(
        dir.resolve("segments"),
        checkpoints,
        "lmgate.audit",
        segmentBytes,
        checkpointInterval,
        queue,
        SegmentFile.FILES);
  }

  /** The directory of the wrapped payload keys. */
  public Path keysDir() {
    return dir.resolve("keys");
  }

  private static final String KEY_REFERENCE =
      "${secret:SCHEME:LOCATION} (docs/secrets.md), env:NAME or file:PATH";

  private static boolean isKeyReference(String ref) {
    return ref.startsWith("${secret:") || ref.startsWith("env:") || ref.startsWith("file:");
  }

  /** Reads settings written {@code ${secret:…}}: the gateway's secrets. */
  public interface SecretSource {
    Secret read(String setting, String reference) throws ConfigException;

    /** The earlier versions the store keeps, newest first. */
    List<Secret> previous(String setting, String reference) throws ConfigException;

    /** The gateway's secrets, through the filters' environment. */
    static SecretSource of(dev.lmgate.spi.FilterEnvironment env) {
      return new SecretSource() {
        @Override
        public Secret read(String setting, String reference) throws ConfigException {
          return env.secret(setting, reference);
        }

        @Override
        public List<Secret> previous(String setting, String reference) throws ConfigException {
          return env.previousSecrets(setting, reference);
        }
      };
    }

    /** For tools without the gateway's secrets: {@code ${secret:…}} settings are refused. */
    SecretSource NONE =
        new SecretSource() {
          @Override
          public Secret read(String setting, String reference) throws ConfigException {
            throw new ConfigException(setting, reference, "env:NAME or file:PATH here");
          }

          @Override
          public List<Secret> previous(String setting, String reference) {
            return List.of();
          }
        };
  }

  /** Opens the trail: creates what is missing, checks the log, starts writing. */
  public AuditTrail open(Clock clock, Function<String, String> env, SecretSource secrets)
      throws IOException {
    return open(clock, env, secrets, logSettings());
  }

  public AuditTrail open(
      Clock clock, Function<String, String> env, SecretSource secrets, LogSettings logSettings)
      throws IOException {
    SigningKey signer =
        (signingKey.startsWith("${secret:")
                ? SigningKey.parse(
                    AuditKeys.read(secrets, "audit.signing-key", signingKey),
                    "audit.signing-key " + signingKey)
                : SigningKey.loadOrCreate(Path.of(signingKey), "lmgate.audit"))
            .withPreviousVerifiers(previousVerifierKeys);
    FilePermissions.directory(dir);
    MasterKey master =
        masterKey.isEmpty()
            ? null
            : masterKey.startsWith("${secret:")
                ? AuditKeys.fromSecret(secrets, "audit.master-key", masterKey)
                : AuditKeys.masterKey(masterKey, env);
    List<RecordSink> sinks = new ArrayList<>();
    for (Export e : exports) {
      sinks.add(
          switch (e.type()) {
            case "jsonl" ->
                "-".equals(e.path())
                    ? JsonLinesSink.stdout()
                    : JsonLinesSink.file(Path.of(e.path()));
            default -> new SyslogSink(e.host(), e.port(), e.tls() ? tls(e.caFile()) : null);
          });
    }
    AlertSink alertSink = null;
    if (webhook != null) {
      String text =
          webhookSecret.startsWith("${secret:")
              ? AuditKeys.read(secrets, "audit.alerts.secret", webhookSecret)
              : AuditKeys.secret(webhookSecret, env);
      byte[] s = text.getBytes(StandardCharsets.UTF_8);
      alertSink = new WebhookAlerter(webhook, s, Duration.ofSeconds(1));
    } else {
      alertSink = a -> log.warn("ALERT {} ({}): {}", a.name(), a.severity(), a.summary());
    }
    AuditTrail trail =
        AuditTrail.open(
            new AuditTrail.Config(
                logSettings,
                mode,
                policy,
                retention,
                master,
                keysDir(),
                SensitiveData::redact,
                sinks,
                alerts,
                alertSink,
                previousMasterKeys(env, secrets, master)),
            signer,
            clock);
    // Only the writer (it holds the directory's lock now) replaces the published verifier keys.
    try {
      StringBuilder verifiers = new StringBuilder();
      signer.verifiers().forEach(v -> verifiers.append(v.encoded()).append('\n'));
      Files.writeString(dir.resolve("verifier.key"), verifiers.toString());
    } catch (IOException e) {
      trail.close();
      throw e;
    }
    return trail;
  }

  /**
   * The listed previous master keys; for a master key in a secret manager, first the earlier
   * versions its store keeps (AWSPREVIOUS, older Vault versions), so a rotation there needs no
   * config change to keep older days readable.
   */
  private List<MasterKey> previousMasterKeys(
      Function<String, String> env, SecretSource secrets, MasterKey current) throws IOException {
    List<MasterKey> keys = new ArrayList<>();
    if (current != null && masterKey.startsWith("${secret:")) {
      try {
        for (Secret s : secrets.previous("audit.master-key", masterKey)) {
          keys.add(MasterKey.fromBase64(s.reveal().strip()));
        }
      } catch (ConfigException e) {
        throw new IOException(e.getMessage(), e);
      } catch (IllegalArgumentException e) {
        throw new IOException(
            "audit.master-key " + masterKey + ": an earlier version: " + e.getMessage());
      }
    }
    for (String ref : previousMasterKeys) {
      keys.add(
          ref.startsWith("${secret:")
              ? AuditKeys.fromSecret(secrets, "audit.previous-master-keys", ref)
              : AuditKeys.existingMasterKey(ref, env));
    }
    return keys;
  }

  /**
   * The socket factory of a TLS syslog export: the JVM's CAs, or only those in {@code caFile}. The
   * sink itself checks that the certificate names the configured host.
   */
  static SSLSocketFactory tls(Path caFile) throws IOException {
    try {
      if (caFile == null) {
        return (SSLSocketFactory) SSLSocketFactory.getDefault();
      }
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(
          null,
          new javax.net.ssl.TrustManager[] {dev.lmgate.core.tls.UpstreamTls.trusting(caFile)},
          null);
      return ctx.getSocketFactory();
    } catch (java.security.GeneralSecurityException e) {
      throw new IOException("syslog TLS setup failed: " + e.getMessage(), e);
    }
  }
}
