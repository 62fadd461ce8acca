package dev.lmgate.filters.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import dev.lmgate.filters.text.ToolDefinitions;
import dev.lmgate.spi.BaseFilter;
import dev.lmgate.spi.ConfigException;
import dev.lmgate.spi.ConfigReader;
import dev.lmgate.spi.Conversation;
import dev.lmgate.spi.Dialect;
import dev.lmgate.spi.Edit;
import dev.lmgate.spi.FilterDescription;
import dev.lmgate.spi.FilterEnvironment;
import dev.lmgate.spi.FilterFactory;
import dev.lmgate.spi.FilterSettings;
import dev.lmgate.spi.GatewayFilter;
import dev.lmgate.spi.Operation;
import dev.lmgate.spi.Principal;
import dev.lmgate.spi.Rejection;
import dev.lmgate.spi.RequestView;
import dev.lmgate.spi.ResponseView;
import dev.lmgate.spi.SecurityEvent;
import dev.lmgate.spi.Verdict;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code authorize}: least privilege per role. A request passes when one of the caller's roles
 * grants all of it — the route, the model, streaming, every declared tool, integrations — and, for
 * roles marked {@code require-mfa}, the caller's token shows a second factor. Everything else is
 * denied with a 403 that says why. Model management (load, unload, download, the SDK channel) needs
 * {@code model-management: true} besides the route. A role's {@code max-tokens} caps the request.
 * Model lists ({@code /v1/models}, {@code /api/v*}/models) are filtered to the models the caller
 * may use.
 *
 * <p>Paths are never interpreted here: the core matched the route exactly as received, and a path
 * it did not recognize never reaches this filter (it is a 404), so {@code //v1/...}, dot segments
 * and encodings cannot smuggle a forbidden route past a policy.
 */
public final class AuthorizeFilter extends BaseFilter {
  public static final String ID = "authorize";
  private static final Set<String> MODEL_LISTS =
      Set.of("openai-models", "native-v1-models", "native-v0-models");
  private static final Map<String, String> SINGLE_MODEL_PREFIX =
      Map.of("openai-model", "/v1/models/", "native-v0-model", "/api/v0/models/");

  private final FilterEnvironment env;
  private final Map<String, RolePolicy> roles; // config order
  private final List<String> mfaMethods;
  private final List<String> mfaAcr;

  AuthorizeFilter(
      FilterSettings settings,
      FilterEnvironment env,
      Map<String, RolePolicy> roles,
      List<String> mfaMethods,
      List<String> mfaAcr) {
    super(ID, settings);
    this.env = env;
    this.roles = roles;
    this.mfaMethods = List.copyOf(mfaMethods);
    this.mfaAcr = List.copyOf(mfaAcr);
  }

  /** A role's judgement of a request: allowed (with edits), or the reason it is not. */
  private record Judgement(String denial, String message, List<Edit> edits) {
    static Judgement allow(List<Edit> edits) {
      return new Judgement(null, null, edits);
    }

    static Judgement deny(String reason, String message) {
      return new Judgement(reason, message, List.of());
    }
  }

  @Override
  public CompletionStage<Verdict> onRequest(RequestView request) {
    Optional<Principal> p = request.principal();
    if (p.isEmpty()) {
      return deny(request, 401, "not_authenticated", "Authentication required.");
    }
    Judgement first = null;
    for (RolePolicy role : rolesOf(p.get())) {
      Judgement j = judge(role, p.get(), request);
      if (j.denial() == null) {
        return CompletableFuture.completedFuture(
            j.edits().isEmpty()
                ? Verdict.pass()
                : Verdict.modify("role " + role.name() + ": max-tokens", j.edits()));
      }
      if (first == null) {
        first = j;
      }
    }
    if (first == null) {
      return deny(request, 403, "no_role", "Your credential grants no role this gateway knows.");
    }
    return deny(request, 403, first.denial(), first.message());
  }

  private List<RolePolicy> rolesOf(Principal p) {
    List<RolePolicy> l = new ArrayList<>();
    for (RolePolicy r : roles.values()) {
      if (p.roles().contains(r.name())) {
        l.add(r);
      }
    }
    return l;
  }

  private Judgement judge(RolePolicy role, Principal p, RequestView request) {
    if (role.requireMfa() && !hasMfa(p)) {
      return Judgement.deny("mfa_required", mfaMessage(role));
    }
    Operation op = request.route().operation();
    if ((op == Operation.MODEL_MANAGEMENT || op == Operation.SDK_CHANNEL)
        && !role.modelManagement()) {
      return Judgement.deny(
          "admin_only",
          "Model management and the SDK channel are reserved to administrators (route "
              + request.route().id()
              + ").");
    }
    if (!Glob.any(role.routes(), request.route().id())) {
      return Judgement.deny(
          "route_forbidden",
          "Your role may not call " + request.method() + " " + request.route().id() + ".");
    }
    String model = model(request);
    if ((op.carriesPrompt() || SINGLE_MODEL_PREFIX.containsKey(request.route().id()))
        && !Glob.any(role.models(), model)) {
      return Judgement.deny(
          "model_forbidden",
          model.isEmpty()
              ? "Name a model: your role may use only specific models."
              : "Your role may not use model '" + model + "'.");
    }
    Conversation c = request.conversation();
    if (c.stream() && !role.stream()) {
      return Judgement.deny("stream_forbidden", "Your role may not request streamed answers.");
    }
    JsonNode body = request.json().orElse(null);
    if (body != null && role.tools() != null) {
      for (String tool : ToolDefinitions.names(body)) {
        if (!Glob.any(role.tools(), tool)) {
          return Judgement.deny("tool_forbidden", "Your role may not declare tool '" + tool + "'.");
        }
      }
    }
    if (body != null
        && request.route().dialect() == Dialect.LMSTUDIO_V1
        && body.has("integrations")
        && !role.integrations()) {
      return Judgement.deny(
          "integrations_forbidden", "Your role may not use integrations (plugins, MCP servers).");
    }
    List<Edit> edits = List.of();
    if (role.maxTokens() > 0 && generates(op) && !c.maxOutputTokensPointer().isEmpty()) {
      long asked = c.maxOutputTokens().orElse(-1);
      if (asked < 0 || asked > role.maxTokens()) {
        edits =
            List.of(Edit.replace(c.maxOutputTokensPointer(), LongNode.valueOf(role.maxTokens())));
      }
    }
    return Judgement.allow(edits);
  }

  /**
   * Why {@code p} may not exercise {@code role} on a surface other than the proxy (the admin port),
   * or empty when it may: the same requirements {@link #onRequest} applies to the role (today
   * {@code require-mfa}). A role this filter does not configure has no requirements here.
   *
   * @return a stable reason code ({@code mfa_required}) and a message for the caller
   */
  public Optional<Map.Entry<String, String>> roleRequirementUnmet(Principal p, String role) {
    RolePolicy policy = roles.get(role);
    if (policy == null || !p.roles().contains(role)) {
      return Optional.empty();
    }
    if (policy.requireMfa() && !hasMfa(p)) {
      return Optional.of(Map.entry("mfa_required", mfaMessage(policy)));
    }
    return Optional.empty();
  }

  private String mfaMessage(RolePolicy role) {
    return "Role '"
        + role.name()
        + "' requires multi-factor authentication: sign in with a second factor (the"
        + " token's amr must contain one of "
        + mfaMethods
        + (mfaAcr.isEmpty() ? "" : ", or its acr be one of " + mfaAcr)
        + ").";
  }

  private boolean hasMfa(Principal p) {
    return p.authMethods().stream().anyMatch(mfaMethods::contains)
        || (!p.acr().isEmpty() && mfaAcr.contains(p.acr()));
  }

  private static boolean generates(Operation op) {
    return switch (op) {
      case CHAT, COMPLETION, RESPONSES, MESSAGES, NATIVE_CHAT -> true;
      default -> false;
    };
  }

  /** The model a request names: in the body, or in the path of a single-model route. */
  private static String model(RequestView request) {
    String prefix = SINGLE_MODEL_PREFIX.get(request.route().id());
    if (prefix != null && request.path().startsWith(prefix)) {
      return request.path().substring(prefix.length());
    }
    return request.conversation().model();
  }

  private CompletionStage<Verdict> deny(
      RequestView request, int status, String reason, String message) {
    env.events()
        .emit(
            SecurityEvent.of(
                env.clock().instant(),
                SecurityEvent.Type.AUTHORIZATION_DENIED,
                reason,
                request,
                message));
    // "permission_error"; the core writes LM Studio's own name for its native routes
    return CompletableFuture.completedFuture(
        Verdict.block(reason, new Rejection(status, "permission_error", reason, "", message)));
  }

  // ------------------------------------------------------------------ model lists

  @Override
  public boolean inspectsResponse(RequestView request) {
    return MODEL_LISTS.contains(request.route().id());
  }

  @Override
  public CompletionStage<Verdict> onResponse(ResponseView response) {
    RequestView request = response.request();
    JsonNode body = response.json().orElse(null);
    Principal p = request.principal().orElse(null);
    if (body == null || p == null) {
      return CompletableFuture.completedFuture(Verdict.pass());
    }
    List<Glob> visible = new ArrayList<>();
    for (RolePolicy r : rolesOf(p)) {
      if ((!r.requireMfa() || hasMfa(p)) && Glob.any(r.routes(), request.route().id())) {
        visible.addAll(r.models());
      }
    }
    String field = body.has("models") ? "models" : "data";
    String idField = "models".equals(field) ? "key" : "id";
    JsonNode list = body.get(field);
    if (list == null || !list.isArray()) {
      return CompletableFuture.completedFuture(Verdict.pass());
    }
    ArrayNode kept = JsonNodeFactory.instance.arrayNode();
    for (JsonNode m : list) {
      if (Glob.any(visible, m.path(idField).asText())) {
        kept.add(m);
      }
    }
    if (kept.size() == list.size()) {
      return CompletableFuture.completedFuture(Verdict.pass());
    }
    return CompletableFuture.completedFuture(
        Verdict.modify(
            "hid " + (list.size() - kept.size()) + " models",
            List.of(Edit.replace("/" + field, kept))));
  }

  /** Builds the filter from YAML. */
  public static final class Factory implements FilterFactory {
    private static final Set<String> ROLE_KEYS =
        Set.of(
            "routes",
            "models",
            "max-tokens",
            "tools",
            "stream",
            "integrations",
            "model-management",
            "require-mfa");

    @Override
    public FilterDescription describe() {
      return FilterDescription.of(
              ID,
              FilterDescription.Stage.WHO_AND_WHETHER,
              "Decides what each role may do (routes, models, MFA); what no role allows is denied.",
              "identity.md#authorize")
          .after("authenticate")
          .handbook(5)
          .keys("roles", "mfa");
    }

    @Override
    public GatewayFilter create(ConfigReader r, FilterSettings settings, FilterEnvironment env)
        throws ConfigException {
      List<String> methods = List.of("mfa", "otp", "hwk", "swk", "sms", "fpt", "face");
      List<String> acr = List.of();
      if (r.has("mfa")) {
        ConfigReader m = r.child("mfa").only(Set.of("methods", "acr-values"));
        if (m.has("methods")) {
          methods = m.strings("methods");
        }
        if (m.has("acr-values")) {
          acr = m.strings("acr-values");
        }
      }
      ConfigReader rs = r.child("roles");
      if (!rs.node().isObject() || rs.node().isEmpty()) {
        throw new ConfigException(rs.path(), rs.node(), "at least one role");
      }
      Map<String, RolePolicy> roles = new LinkedHashMap<>();
      for (var it = rs.node().fieldNames(); it.hasNext(); ) {
        String name = it.next();
        ConfigReader c = rs.child(name).only(ROLE_KEYS);
        if (!c.has("routes") || !c.has("models")) {
          throw new ConfigException(
              c.path(), c.node(), "routes and models, listed explicitly (default deny)");
        }
        roles.put(
            name,
            new RolePolicy(
                name,
                c.strings("routes").stream().map(Glob::new).toList(),
                c.strings("models").stream().map(Glob::new).toList(),
                c.integer("max-tokens", 0, 0, Integer.MAX_VALUE),
                c.has("tools") ? c.strings("tools").stream().map(Glob::new).toList() : null,
                c.bool("stream", true),
                c.bool("integrations", false),
                c.bool("model-management", false),
                c.bool("require-mfa", false)));
      }
      return new AuthorizeFilter(settings, env, roles, methods, acr);
    }
  }
}
