package dev.lmgate.filters.approval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lmgate.filters.policy.Glob;
import dev.lmgate.filters.text.ToolDefinitions;
import dev.lmgate.spi.BaseFilter;
import dev.lmgate.spi.ConfigException;
import dev.lmgate.spi.ConfigReader;
import dev.lmgate.spi.Edit;
import dev.lmgate.spi.FilterDescription;
import dev.lmgate.spi.FilterEnvironment;
import dev.lmgate.spi.FilterFactory;
import dev.lmgate.spi.FilterSettings;
import dev.lmgate.spi.GatewayFilter;
import dev.lmgate.spi.OutputChannel;
import dev.lmgate.spi.OutputText;
import dev.lmgate.spi.Principal;
import dev.lmgate.spi.Rejection;
import dev.lmgate.spi.RequestView;
import dev.lmgate.spi.ResponseView;
import dev.lmgate.spi.SecurityEvent;
import dev.lmgate.spi.StreamInspector.StreamDecision;
import dev.lmgate.spi.StreamReview;
import dev.lmgate.spi.Verdict;
import dev.lmgate.spi.WebhookSignature;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code tool-approval}: a person approves sensitive tool calls before the client sees them. When
 * an answer carries a call to a tool the policy marks sensitive (name globs, optionally only when
 * its arguments match a pattern), the gateway holds the answer, opens an approval bound to the
 * SHA-256 of caller, tool and exact arguments, notifies approvers (a signed webhook), and waits.
 * Approved: the answer goes out unchanged. Denied or expired: the call is taken out and the message
 * says why (a choice left without calls ends as a plain reply). Every step is a {@code
 * tool_approval} security event (audited).
 *
 * <p>Whole answers (chat completions, Responses, Anthropic Messages) are held and edited: a call
 * not approved is withdrawn ({@link Edit.WithdrawToolCalls}, which the route's dialect spells). A
 * stream of those APIs that offers a sensitive tool is held whole until its end and the decision:
 * approved, it goes out unchanged; otherwise it ends with the explanation and {@code finish_reason:
 * "content_filter"}, none of the call having been sent. A streamed request on a route whose tool
 * calls the gateway cannot name (LM Studio's native chat) is refused up front ({@code 400
 * approval_requires_non_streaming}) rather than let through unchecked.
 */
public final class ToolApprovalFilter extends BaseFilter {
  public static final String ID = "tool-approval";
  private static final Logger log = LoggerFactory.getLogger(ToolApprovalFilter.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * @param tools tool name globs that need approval
   * @param argumentPatterns per tool glob, approval only when the arguments match (RE2)
   * @param approvalWait how long an approval may take; then it expires (denied)
   * @param webhook where approvers are notified, or null
   * @param webhookSecret the HMAC key for the notification's signature
   * @param denied what the answer says in place of a call that was not approved
   */
  public record Settings(
      List<Glob> tools,
      Map<Glob, com.google.re2j.Pattern> argumentPatterns,
      Duration approvalWait,
      URI webhook,
      Supplier<byte[]> webhookSecret,
      String denied) {}

  private final Settings settings;
  private final ApprovalStore store;
  private final FilterEnvironment env;
  private final HttpClient http;

  public ToolApprovalFilter(
      FilterSettings filterSettings,
      Settings settings,
      ApprovalStore store,
      FilterEnvironment env,
      HttpClient http) {
    super(ID, filterSettings);
    this.settings = settings;
    this.store = store;
    this.env = env;
    this.http = http;
  }

  boolean sensitive(String tool, String arguments) {
    if (!Glob.any(settings.tools(), tool)) {
      return false;
    }
    for (Map.Entry<Glob, com.google.re2j.Pattern> e : settings.argumentPatterns().entrySet()) {
      if (e.getKey().matches(tool)) {
        return e.getValue().matcher(arguments).find();
      }
    }
    return true;
  }

  /** Whether the gateway can name the tool calls of answers, whole or streamed, on this route. */
  private static boolean namesToolCalls(RequestView request) {
    return switch (request.route().operation()) {
      case CHAT, RESPONSES, MESSAGES -> true;
      default -> false;
    };
  }

  /** Whether the request offers the model a tool that needs approval. */
  private boolean offersSensitiveTool(RequestView request) {
    if (request.json().isEmpty()) {
      return false;
    }
    for (String name : ToolDefinitions.names(request.json().get())) {
      if (Glob.any(settings.tools(), name)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public Optional<StreamReview> streamReview(RequestView request) {
    // whatever the request's stream flag: LM Studio, not the client, decides the answer's shape
    if (!namesToolCalls(request) || !offersSensitiveTool(request)) {
      return Optional.empty();
    }
    return Optional.of(
        StreamReview.of(
            0, // the calls are whole only at the end
            true, // nothing of the answer before the decision
            answer -> {
              List<Call> calls = new ArrayList<>();
              for (OutputText o : answer.outputs()) {
                String tool = answer.toolNames().getOrDefault(o.key(), "");
                if (o.channel() == OutputChannel.TOOL_ARGUMENTS && sensitive(tool, o.text())) {
                  calls.add(new Call(o.key(), tool, o.text()));
                }
              }
              return refused(request, calls)
                  .thenApply(
                      refused ->
                          refused.isEmpty()
                              ? StreamDecision.pass()
                              : StreamDecision.block(
                                  settings
                                      .denied()
                                      .replace(
                                          "{tools}",
                                          String.join(
                                              ", ", refused.stream().map(Call::tool).toList()))));
            }));
  }

  @Override
  public CompletionStage<Verdict> onRequest(RequestView request) {
    if (request.conversation().stream() && !namesToolCalls(request) && request.json().isPresent()) {
      for (String name : ToolDefinitions.names(request.json().get())) {
        if (Glob.any(settings.tools(), name)) {
          return CompletableFuture.completedFuture(
              Verdict.block(
                  "streamed request offers " + name,
                  new Rejection(
                      400,
                      "invalid_request_error",
                      "approval_requires_non_streaming",
                      "stream",
                      "The tool '"
                          + name
                          + "' needs a person's approval before its calls are released, which"
                          + " this gateway cannot do for streams on this route: send the request"
                          + " with stream: false.",
                      Map.of())));
        }
      }
    }
    return CompletableFuture.completedFuture(Verdict.pass());
  }

  @Override
  public boolean inspectsResponse(RequestView request) {
    return namesToolCalls(request); // a JSON answer to a streamed request is held too
  }

  /**
   * A sensitive call found in an answer.
   *
   * @param key the key of its arguments output, which names it in edits
   */
  private record Call(String key, String tool, String arguments) {}

  @Override
  public CompletionStage<Verdict> onResponse(ResponseView response) {
    Map<String, String> names = response.toolNames();
    List<Call> calls = new ArrayList<>();
    for (OutputText o : response.outputs()) {
      String tool = names.getOrDefault(o.key(), "");
      if (o.channel() == OutputChannel.TOOL_ARGUMENTS && sensitive(tool, o.text())) {
        calls.add(new Call(o.key(), tool, o.text()));
      }
    }
    if (calls.isEmpty()) {
      return CompletableFuture.completedFuture(Verdict.pass());
    }
    return refused(response.request(), calls)
        .thenApply(
            refused -> {
              if (refused.isEmpty()) {
                return Verdict.pass();
              }
              String tools = String.join(", ", refused.stream().map(Call::tool).toList());
              return Verdict.modify(
                  "tool calls not approved: " + tools,
                  List.of(
                      new Edit.WithdrawToolCalls(
                          refused.stream().map(Call::key).toList(),
                          settings.denied().replace("{tools}", tools))));
            });
  }

  /**
   * Opens an approval per call, tells approvers, and completes with the calls not approved (denied
   * or expired) once every one is decided.
   */
  private CompletableFuture<List<Call>> refused(RequestView request, List<Call> calls) {
    if (calls.isEmpty()) {
      return CompletableFuture.completedFuture(List.of());
    }
    String principal = request.principal().map(Principal::id).orElse("anonymous");
    List<CompletableFuture<ApprovalStore.State>> decisions = new ArrayList<>();
    for (Call call : calls) {
      ApprovalStore.Pending p =
          store.open(
              binding(principal, call.tool(), call.arguments()),
              principal,
              call.tool(),
              call.arguments(),
              request.requestId(),
              env.clock().instant().plus(settings.approvalWait()));
      event(request, "requested", p.approval());
      notifyApprovers(p.approval());
      decisions.add(
          p.decision()
              .completeOnTimeout(
                  ApprovalStore.State.EXPIRED,
                  settings.approvalWait().toMillis(),
                  TimeUnit.MILLISECONDS)
              .whenComplete(
                  (s, e) ->
                      event(
                          request,
                          s == null ? "expired" : s.name().toLowerCase(java.util.Locale.ROOT),
                          p.approval())));
    }
    return CompletableFuture.allOf(decisions.toArray(new CompletableFuture<?>[0]))
        .thenApply(
            v -> {
              List<Call> refused = new ArrayList<>();
              for (int k = 0; k < calls.size(); k++) {
                if (decisions.get(k).join() != ApprovalStore.State.APPROVED) {
                  refused.add(calls.get(k));
                }
              }
              return refused;
            });
  }

  static String binding(String principal, String tool, String arguments) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      for (String part : List.of(principal, tool, arguments)) {
        d.update(part.getBytes(StandardCharsets.UTF_8));
        d.update((byte) 0);
      }
      return HexFormat.of().formatHex(d.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private void event(RequestView r, String reason, ApprovalStore.Approval a) {
    env.events()
        .emit(
            new SecurityEvent(
                env.clock().instant(),
                SecurityEvent.Type.TOOL_APPROVAL,
                reason,
                r.requestId(),
                a.principal(),
                r.route().id(),
                r.clientAddress(),
                "approval " + a.id() + " of tool " + a.tool() + " (binding " + a.binding() + ")"));
  }

  /** Tells approvers; a failed notification is logged (the approval still waits). */
  private void notifyApprovers(ApprovalStore.Approval a) {
    if (settings.webhook() == null) {
      return;
    }
    ObjectNode n = JSON.createObjectNode();
    n.put("type", "tool_approval_requested");
    n.put("id", a.id());
    n.put("tool", a.tool());
    n.put("arguments", a.arguments());
    n.put("principal", a.principal());
    n.put("request_id", a.requestId());
    n.put("binding", a.binding());
    n.put("expires", a.expires().toString());
    String body = n.toString();
    String ts = Long.toString(env.clock().instant().getEpochSecond());
    http.sendAsync(
            HttpRequest.newBuilder(settings.webhook())
                .timeout(Duration.ofSeconds(5))
                .header("content-type", "application/json")
                .header(WebhookSignature.TIMESTAMP_HEADER, ts)
                .header(
                    WebhookSignature.SIGNATURE_HEADER,
                    WebhookSignature.header(
                        settings.webhookSecret().get(), ts, body.getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .whenComplete(
            (r, e) -> {
              if (e != null || r.statusCode() >= 300) {
                log.warn(
                    "approval {}: approvers could not be notified ({})",
                    a.id(),
                    e != null ? e.toString() : "HTTP " + r.statusCode());
              }
            });
  }

  /** Builds the filter from YAML (docs/output-guard.md). */
  public static final class Factory implements FilterFactory {
    @Override
    public FilterDescription describe() {
      return FilterDescription.of(
              ID,
              FilterDescription.Stage.WHAT_COMES_OUT,
              "Holds calls to sensitive tools until a person approves them.",
              "output-guard.md#tool-approval-a-human-in-the-loop")
          .handbook(3)
          .keys("tools", "arguments", "wait", "webhook", "secret", "denied-message");
    }

    @Override
    public GatewayFilter create(ConfigReader r, FilterSettings settings, FilterEnvironment env)
        throws ConfigException {
      List<Glob> tools = new ArrayList<>();
      for (String t : r.strings("tools")) {
        tools.add(new Glob(t));
      }
      if (tools.isEmpty()) {
        throw new ConfigException(r.path() + ".tools", "[]", "at least one tool name or glob");
      }
      Map<Glob, com.google.re2j.Pattern> args = new LinkedHashMap<>();
      if (r.has("arguments")) {
        ConfigReader a = r.child("arguments");
        List<String> names = new ArrayList<>();
        a.node().fieldNames().forEachRemaining(names::add);
        for (String n : names) {
          String re = a.requiredString(n);
          try {
            args.put(new Glob(n), com.google.re2j.Pattern.compile(re));
          } catch (com.google.re2j.PatternSyntaxException e) {
            throw new ConfigException(a.path() + "." + n, re, "an RE2 pattern");
          }
        }
      }
      Duration wait = r.duration("wait", Duration.ofMinutes(2));
      if (settings.timeout().compareTo(wait) <= 0) {
        throw new ConfigException(
            r.path() + ".timeout",
            settings.timeout(),
            "longer than wait ("
                + wait
                + "): the filter waits for a person; e.g. timeout: "
                + (wait.toSeconds() + 10)
                + "s");
      }
      URI webhook = null;
      Supplier<byte[]> secret = () -> new byte[0];
      if (r.has("webhook")) {
        webhook = URI.create(r.requiredString("webhook"));
        byte[] s =
            env.secret(r.path() + ".secret", r.requiredString("secret"))
                .reveal()
                .getBytes(StandardCharsets.UTF_8);
        secret = () -> s;
      }
      return new ToolApprovalFilter(
          settings,
          new Settings(
              tools,
              args,
              wait,
              webhook,
              secret,
              r.string(
                  "denied-message",
                  "The gateway did not run {tools}: it needs a person's approval, which was not"
                      + " given.")),
          env.shared("approvals", ApprovalStore.class, () -> new ApprovalStore(env.clock())),
          env,
          env.shared(
              "approvals.http",
              HttpClient.class,
              () -> HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()));
    }
  }
}
