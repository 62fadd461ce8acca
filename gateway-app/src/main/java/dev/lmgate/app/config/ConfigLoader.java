package dev.lmgate.app.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.lmgate.core.proxy.ServerSettings;
import dev.lmgate.core.route.RouteTable;
import dev.lmgate.filters.BuiltinFilters;
import dev.lmgate.secrets.AzureKeyVaultProvider;
import dev.lmgate.secrets.GcpSecretManagerProvider;
import dev.lmgate.secrets.SecretRef;
import dev.lmgate.spi.ConfigException;
import dev.lmgate.spi.ConfigReader;
import dev.lmgate.spi.FilterDescription;
import dev.lmgate.spi.FilterFactory;
import dev.lmgate.spi.FilterRegistry;
import dev.lmgate.spi.FilterSettings;
import dev.lmgate.spi.GatewayFilter;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.LoggerFactory;

/**
 * Loads {@code gateway.yaml}: parses YAML, replaces {@code ${NAME}} and {@code ${NAME:-default}} in
 * scalar values from the environment (never in keys, so a variable cannot change the structure),
 * binds typed settings and builds every filter, so that a config that loads is a config that runs.
 * Every error names the setting's path, its value and what was expected.
 */
public final class ConfigLoader {
  private static final Pattern VAR =
      Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");
  private static final Set<String> TOP =
      Set.of("server", "upstream", "admin", "filters", "audit", "secrets", "state");
  private static final Set<String> SERVER =
      Set.of(
          "host",
          "port",
          "max-request-bytes",
          "max-scan-chars",
          "max-scan-time",
          "max-response-bytes",
          "max-sse-event-bytes",
          "first-byte-timeout",
          "idle-timeout",
          "connect-timeout",
          "upstream-idle-evict",
          "drain-timeout",
          "websocket",
          "access-log",
          "worker-threads",
          "tls");
  private static final Set<String> COMMON = Set.of("id", "action", "timeout", "on-error");

  private final Function<String, String> env;
  private final GatewayEnvironment filterEnv;
  private final FilterRegistry registry;

  public ConfigLoader(Function<String, String> env) {
    this(env, new GatewayEnvironment(Clock.systemUTC()));
  }

  /**
   * @param env variables for {@code ${NAME}} substitution
   * @param filterEnv what the filters of every config this loader builds share
   */
  public ConfigLoader(Function<String, String> env, GatewayEnvironment filterEnv) {
    this(env, filterEnv, BuiltinFilters.registry());
  }

  private ConfigLoader(
      Function<String, String> env, GatewayEnvironment filterEnv, FilterRegistry registry) {
    this.env = env;
    this.filterEnv = filterEnv;
    this.registry = registry;
  }

  /** This loader, building the filters of {@code registry} instead of the built-in ones. */
  public ConfigLoader withFilters(FilterRegistry registry) {
    return new ConfigLoader(env, filterEnv, registry);
  }

  /**
   * The variables this loader substitutes (also used to resolve {@code env:} secret references).
   */
  public Function<String, String> env() {
    return env;
  }

  /** The environment shared by the filters of every config this loader builds. */
  public GatewayEnvironment environment() {
    return filterEnv;
  }

  public static ConfigLoader fromEnvironment() {
    return new ConfigLoader(System::getenv);
  }

  /**
   * The config as a tree, environment placeholders resolved ({@code ${secret:…}} references stay
   * references): what {@link #parse} builds from, for tools that read the settings themselves.
   */
  public JsonNode tree(String yaml) throws ConfigException {
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readTree(yaml);
    } catch (IOException e) {
      String msg = e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("");
      throw new ConfigException("yaml", msg, "valid YAML");
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      root = new ObjectMapper().createObjectNode();
    }
    interpolate(root, "");
    return root;
  }

  public GatewayConfig load(Path file) throws ConfigException {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new ConfigException(
          "file", file, "a readable YAML file (" + e.getClass().getSimpleName() + ")");
    }
    return parse(text);
  }

  /**
   * Builds a config without changing anything running: changes its filters make to state shared
   * across configs wait until the caller accepts it ({@link GatewayEnvironment#accepted}).
   */
  public GatewayConfig parse(String yaml) throws ConfigException {
    filterEnv.loading();
    JsonNode root = tree(yaml);
    if (!root.isObject()) { // the reader would name the setting "" here
      throw new ConfigException(
          "config", root, "a mapping of settings such as server:, upstream:, filters:");
    }
    ConfigReader r = new ConfigReader("", root).only(TOP);
    ConfigReader s = r.child("server").only(SERVER);
    ConfigReader u = r.child("upstream").only(Set.of("url", "api-key", "tls"));
    ConfigReader sec =
        r.child("secrets")
            .only(Set.of("refresh", "aws", "vault", "azure", "gcp", "allow-plain-values"));
    ConfigReader azure = sec.child("azure").only(Set.of("vault-url", "managed-identity-client-id"));
    ConfigReader gcp = sec.child("gcp").only(Set.of("endpoint"));
    ConfigReader aws = sec.child("aws").only(Set.of("region", "endpoint"));
    ConfigReader vault =
        sec.child("vault")
            .only(Set.of("address", "namespace", "token-file", "role-id", "secret-id-file"));
    ConfigReader a =
        r.child("admin")
            .only(
                Set.of("host", "port", "enabled", "token", "tls", "metrics-auth", "metrics-token"));

    URI upstream = upstreamUri(u.string("url", "http://127.0.0.1:1234"));
    ServerSettings d = ServerSettings.defaults(8080, upstream);
    ServerSettings server =
        new ServerSettings(
            s.string("host", d.host()),
            (int) s.integer("port", 8080, 0, 65535),
            upstream,
            (int) s.integer("max-request-bytes", d.maxRequestBytes(), 1024, Integer.MAX_VALUE - 8),
            (int)
                s.integer("max-response-bytes", d.maxResponseBytes(), 1024, Integer.MAX_VALUE - 8),
            (int) s.integer("max-sse-event-bytes", d.maxSseEventBytes(), 1024, 256 << 20),
            s.integer("max-scan-chars", d.maxScanChars(), 1024, Integer.MAX_VALUE),
            s.duration("max-scan-time", d.maxScanTime()),
            s.duration("first-byte-timeout", d.firstByteTimeout()),
            s.duration("idle-timeout", d.idleTimeout()),
            s.duration("connect-timeout", d.connectTimeout()),
            s.duration("upstream-idle-evict", d.upstreamIdleEvict()),
            s.duration("drain-timeout", d.drainTimeout()),
            s.bool("websocket", false),
            s.bool("access-log", true),
            TlsConfig.listener(s.child("tls"), filterEnv),
            TlsConfig.upstream(u.child("tls"), upstream));
    if (server.upstreamIdleEvict().compareTo(Duration.ofSeconds(5)) >= 0) {
      throw new ConfigException(
          "server.upstream-idle-evict",
          server.upstreamIdleEvict(),
          "< 5s (LM Studio closes idle connections after 5 s)");
    }
    int workers = (int) s.integer("worker-threads", 0, 0, 1024);
    boolean adminOn = a.bool("enabled", true);
    int adminPort = adminOn ? (int) a.integer("port", 9090, 0, 65535) : -1;
    SecretSettings secrets =
        new SecretSettings(
            sec.duration("refresh", Duration.ofMinutes(5)),
            aws.string("region", null),
            endpoint(aws, "endpoint"),
            endpoint(vault, "address"),
            vault.string("namespace", null),
            optionalPath(vault, "token-file"),
            vault.string("role-id", null),
            optionalPath(vault, "secret-id-file"),
            azureSettings(azure),
            new GcpSecretManagerProvider.Settings(gcp.string("endpoint", null)),
            sec.bool("allow-plain-values", false));
    filterEnv.useSecrets(secrets, env); // before the filters: they may resolve secrets
    SharedState.Settings state = SharedState.read(r);
    useSharedState(state); // before the filters: they take their counters from it
    String apiKey = u.string("api-key", null);
    List<GatewayFilter> filters = filters(r);
    requireSharedStateTimeout(state, filters);
    return new GatewayConfig(
        server,
        workers,
        a.string("host", "127.0.0.1"),
        adminPort,
        filters,
        AuditSettings.parse(r, routeIds()),
        apiKey == null ? null : filterEnv.reference("upstream.api-key", apiKey),
        secrets,
        a.has("token") ? filterEnv.reference("admin.token", a.requiredString("token")) : null,
        new AdminSettings(TlsConfig.listener(a.child("tls"), filterEnv), metricsToken(a)),
        registry);
  }

  /**
   * A Redis command must be able to fail before the rate-limit filter's own timeout does: otherwise
   * the filter gives up first, every time Redis is slow, and the replica never falls back to its
   * share.
   */
  private static void requireSharedStateTimeout(
      SharedState.Settings state, List<GatewayFilter> filters) throws ConfigException {
    if (state.redis() == null) {
      return;
    }
    for (int i = 0; i < filters.size(); i++) {
      GatewayFilter f = filters.get(i);
      if (f.id().equals("rate-limit")
          && f.settings().timeout().compareTo(state.timeout().multipliedBy(2)) < 0) {
        throw new ConfigException(
            "state.timeout",
            state.timeout().toMillis() + "ms",
            "at most half the rate-limit filter's timeout ("
                + f.settings().timeout().toMillis()
                + "ms, filters["
                + i
                + "].timeout)");
      }
    }
  }

  /**
   * Registers the engines replicas share ({@code state:}) where the filters find them: the first
   * config's settings hold for the life of the process, as the secrets' do.
   */
  private void useSharedState(SharedState.Settings settings) {
    SharedState state =
        filterEnv.shared("state", SharedState.class, () -> new SharedState(settings));
    if (!state.settings().equals(settings)) {
      LoggerFactory.getLogger(ConfigLoader.class)
          .warn("state: changed settings take effect on restart");
    }
    if (state.shared()) {
      filterEnv.shared(
          "rate-limit.counters",
          dev.lmgate.filters.ratelimit.LimitCounters.class,
          state::limitCounters);
    }
    if (state.sharedKeys()) {
      filterEnv.shared(
          dev.lmgate.filters.auth.SharedKeyStores.KEY,
          dev.lmgate.filters.auth.SharedKeyStores.class,
          state::keyStores);
    }
  }

  /**
   * {@code admin.metrics-auth}: {@code none} (the default: Prometheus scrapes without a credential)
   * or {@code token}, which needs {@code admin.metrics-token} — a credential of its own, so that a
   * scraper never holds the operators' power.
   */
  private SecretRef metricsToken(ConfigReader a) throws ConfigException {
    String mode = a.string("metrics-auth", "none");
    switch (mode) {
      case "none" -> {
        if (a.has("metrics-token")) {
          throw new ConfigException(
              a.path() + ".metrics-token", "***", "only with metrics-auth: token");
        }
        return null;
      }
      case "token" -> {
        if (!a.has("metrics-token")) {
          throw new ConfigException(
              a.path() + ".metrics-token",
              "(missing)",
              "a secret reference when metrics-auth is token");
        }
        return filterEnv.reference(a.path() + ".metrics-token", a.requiredString("metrics-token"));
      }
      default -> throw new ConfigException(a.path() + ".metrics-auth", mode, "none or token");
    }
  }

  private URI upstreamUri(String url) throws ConfigException {
    URI uri;
    try {
      uri = new URI(url);
    } catch (Exception e) {
      throw new ConfigException(
          "upstream.url", url, "an http:// URL such as http://127.0.0.1:1234");
    }
    if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
        || uri.getHost() == null
        || (uri.getPath() != null && !uri.getPath().isEmpty() && !uri.getPath().equals("/"))
        || uri.getQuery() != null
        || uri.getUserInfo() != null) {
      throw new ConfigException(
          "upstream.url", url, "http(s)://host:port without path, query or credentials");
    }
    return uri;
  }

  private static AzureKeyVaultProvider.Settings azureSettings(ConfigReader azure)
      throws ConfigException {
    String url = azure.string("vault-url", AzureKeyVaultProvider.Settings.DEFAULT_VAULT_URL);
    try {
      return new AzureKeyVaultProvider.Settings(
          url, azure.string("managed-identity-client-id", null));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(
          azure.path() + ".vault-url",
          url,
          "an https:// URL such as https://{vault}.vault.azure.net");
    }
  }

  private static Path optionalPath(ConfigReader r, String key) throws ConfigException {
    String v = r.string(key, null);
    return v == null ? null : Path.of(v);
  }

  private static URI endpoint(ConfigReader aws, String key) throws ConfigException {
    String e = aws.string(key, null);
    if (e == null) {
      return null;
    }
    try {
      URI u = new URI(e);
      if (u.getScheme() == null || u.getHost() == null) {
        throw new IllegalArgumentException("no scheme or host");
      }
      return u;
    } catch (Exception ex) {
      throw new ConfigException(aws.path() + "." + key, e, "an https:// (or http://) URL");
    }
  }

  private static Set<String> routeIds() {
    Set<String> ids = new HashSet<>();
    RouteTable.lmStudio().routes().forEach(x -> ids.add(x.id()));
    return ids;
  }

  private List<GatewayFilter> filters(ConfigReader r) throws ConfigException {
    List<GatewayFilter> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    Set<String> routeIds = routeIds();
    for (ConfigReader f : r.list("filters")) {
      String id = f.requiredString("id");
      FilterFactory factory =
          registry
              .factory(id)
              .orElseThrow(
                  () -> new ConfigException(f.path() + ".id", id, "one of " + registry.ids()));
      if (!seen.add(id)) {
        throw new ConfigException(f.path() + ".id", id, "each filter once");
      }
      FilterSettings settings =
          new FilterSettings(
              f.enumValue("action", FilterSettings.Action.class, FilterSettings.Action.BLOCK),
              f.duration("timeout", Duration.ofSeconds(2)),
              f.enumValue(
                  "on-error", FilterSettings.OnError.class, FilterSettings.OnError.FAIL_CLOSED));
      ObjectNode own = ((ObjectNode) f.node()).deepCopy();
      COMMON.forEach(own::remove);
      if (own.has("routes") && own.get("routes").isObject()) {
        for (Iterator<String> it = own.get("routes").fieldNames(); it.hasNext(); ) {
          String route = it.next();
          if (!routeIds.contains(route)) {
            throw new ConfigException(
                f.path() + ".routes." + route,
                route,
                "a route id (" + new java.util.TreeSet<>(routeIds) + ")");
          }
        }
      }
      out.add(factory.create(f.path(), own, settings, filterEnv));
    }
    requireWhatTheyFollow(out);
    return out;
  }

  /**
   * A filter that needs what others establish ({@link FilterDescription#after}: {@code authorize}
   * and {@code rate-limit} judge the caller {@code authenticate} found) must come after them: a
   * config that has it without them, or before them, would judge nobody.
   */
  private void requireWhatTheyFollow(List<GatewayFilter> filters) throws ConfigException {
    Set<String> earlier = new HashSet<>();
    for (int i = 0; i < filters.size(); i++) {
      String id = filters.get(i).id();
      Set<String> needs = new java.util.TreeSet<>(registry.description(id).orElseThrow().after());
      needs.addAll(filters.get(i).follows());
      for (String needed : needs) {
        if (!earlier.contains(needed)) {
          throw new ConfigException(
              "filters[" + i + "].id", id, "after " + article(needed) + " " + needed + " filter");
        }
      }
      earlier.add(id);
    }
  }

  private static String article(String word) {
    return "aeiou".indexOf(word.charAt(0)) >= 0 ? "an" : "a";
  }

  /** Replaces variables in every scalar string, in place. */
  private void interpolate(JsonNode node, String path) throws ConfigException {
    if (node instanceof ObjectNode o) {
      for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String p = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
        if (e.getValue().isTextual()) {
          e.setValue(TextNode.valueOf(substitute(p, e.getValue().asText())));
        } else {
          interpolate(e.getValue(), p);
        }
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        JsonNode c = node.get(i);
        String p = path + "[" + i + "]";
        if (c.isTextual()) {
          ((com.fasterxml.jackson.databind.node.ArrayNode) node)
              .set(i, TextNode.valueOf(substitute(p, c.asText())));
        } else {
          interpolate(c, p);
        }
      }
    }
  }

  private String substitute(String path, String value) throws ConfigException {
    Matcher m = VAR.matcher(value);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String v = env.apply(m.group(1));
      if (v == null || (v.isEmpty() && m.group(2) != null)) {
        if (m.group(2) == null) {
          throw new ConfigException(
              path,
              "${" + m.group(1) + "}",
              "environment variable "
                  + m.group(1)
                  + " to be set (or a default: ${"
                  + m.group(1)
                  + ":-value})");
        }
        v = m.group(2);
      }
      m.appendReplacement(sb, Matcher.quoteReplacement(v));
    }
    m.appendTail(sb);
    return sb.toString();
  }
}
