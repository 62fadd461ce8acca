package dev.lmgate.filters.sensitive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.lmgate.filters.budget.FairScanScheduler;
import dev.lmgate.filters.budget.ScanBudget;
import dev.lmgate.filters.budget.ScanWork;
import dev.lmgate.filters.text.ToolDefinitions;
import dev.lmgate.spi.BaseFilter;
import dev.lmgate.spi.ConfigException;
import dev.lmgate.spi.ConfigReader;
import dev.lmgate.spi.Conversation;
import dev.lmgate.spi.Edit;
import dev.lmgate.spi.FilterDescription;
import dev.lmgate.spi.FilterEnvironment;
import dev.lmgate.spi.FilterFactory;
import dev.lmgate.spi.FilterSettings;
import dev.lmgate.spi.GatewayFilter;
import dev.lmgate.spi.Message;
import dev.lmgate.spi.OutputChannel;
import dev.lmgate.spi.OutputText;
import dev.lmgate.spi.Rejection;
import dev.lmgate.spi.RequestView;
import dev.lmgate.spi.ResponseView;
import dev.lmgate.spi.StreamInspector;
import dev.lmgate.spi.TextPart;
import dev.lmgate.spi.Verdict;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code sensitive-data}: finds credentials and personal data in what a client sends to the model
 * (every message, prompt and embedding input) and, per type, blocks the request, masks the value
 * before it is forwarded ({@code [EMAIL]}, {@code [SECRET]} ...), records an alert, or lets it be.
 * A block names the types and where, never the value.
 *
 * <p>Types are those of {@link SensitiveData#TYPES}; {@code secrets} and {@code personal} stand for
 * every credential type and every personal-data type.
 */
public final class SensitiveDataFilter extends BaseFilter {
  public static final String ID = "sensitive-data";

  /** What to do with a type. */
  public enum Handling {
    BLOCK,
    REDACT,
    /**
     * Replace with an unguessable placeholder stable within the exchange ({@code
     * [EMAIL_k3x9q7m2ab4c]}), kept to restore in the answer to that exchange only.
     */
    PSEUDONYMIZE,
    ALERT,
    ALLOW
  }

  /**
   * The answer's side.
   *
   * @param handling by type, in answers: block, redact or allow (others: allow)
   * @param restore whether pseudonyms placed on the way in are restored in the answer to the same
   *     exchange
   * @param restoreInToolArguments whether they are restored in tool-call arguments too
   * @param holdBack characters of each streamed output held back: the longest value caught whole
   */
  public record Output(
      Map<String, Handling> handling,
      boolean restore,
      boolean restoreInToolArguments,
      int holdBack) {
    public static final Output NONE = new Output(Map.of(), false, false, 0);

    boolean active() {
      return restore || !handling.isEmpty();
    }
  }

  private final Map<String, Handling> handling;
  private final Handling others;
  private final PseudonymVault vault;
  private final Output output;
  private final AnswerScanner answers;
  private final FairScanScheduler scheduler; // large conversations; null: all on the calling thread
  private final PhoneNumbers.Plan phones;

  /**
   * @param handling by type
   * @param others for types {@code handling} does not name
   * @param vault where pseudonyms are kept (shared with the output side), or null when none is used
   */
  public SensitiveDataFilter(
      FilterSettings settings,
      Map<String, Handling> handling,
      Handling others,
      PseudonymVault vault,
      Output output,
      PhoneNumbers.Plan phones,
      FairScanScheduler scheduler) {
    super(ID, settings);
    this.phones = phones;
    this.scheduler = scheduler;
    this.handling = Map.copyOf(handling);
    this.others = others;
    this.vault = vault;
    this.output = output;
    this.answers = new AnswerScanner(output, vault, phones);
  }

  /** The national phone formats this filter recognizes (for offline scans of the same config). */
  public PhoneNumbers.Plan phoneNumbers() {
    return phones;
  }

  /**
   * The pseudonym scope of a request: its exchange — the gateway's request id, which the client
   * cannot choose — qualified by the caller (or, unauthenticated, the client address). Nothing the
   * client sends (no header, no conversation id) widens it: a caller who could name a scope could
   * name another user's.
   */
  public static String session(RequestView request) {
    String who =
        request
            .principal()
            .map(p -> p.id())
            .orElseGet(
                () -> {
                  String a = request.clientAddress();
                  int colon = a.lastIndexOf(':');
                  return "ip:" + (colon > 0 ? a.substring(0, colon) : a);
                });
    return who + "|" + request.requestId();
  }

  /**
   * Types only alerted on or allowed reach the model unchanged; pseudonyms restored into tool-call
   * arguments hand the real values to tools.
   */
  @Override
  public List<String> weakenings() {
    List<String> w = new ArrayList<>();
    for (Handling h : List.of(Handling.ALERT, Handling.ALLOW)) {
      List<String> types =
          handling.entrySet().stream()
              .filter(e -> e.getValue() == h)
              .map(Map.Entry::getKey)
              .sorted()
              .toList();
      String name = h.name().toLowerCase(java.util.Locale.ROOT);
      if (!types.isEmpty()) {
        w.add("`" + name + "` for " + String.join(", ", types) + ": these values reach the model");
      }
      if (others == h) {
        w.add("`others: " + name + "`: the types not listed reach the model");
      }
    }
    if (output.restoreInToolArguments()) {
      w.add(
          "`output.restore-in-tool-arguments: true`: real values go into tool calls the model"
              + " writes");
    }
    return w;
  }

  Handling handlingOf(String kind) {
    return handling.getOrDefault(kind, others);
  }

  @Override
  public CompletionStage<Verdict> onRequest(RequestView request) {
    if (vault != null) {
      vault.expireEvery(java.time.Duration.ofMinutes(1));
    }
    String session = session(request);
    ScanBudget budget = ScanBudget.forRequest(request, settings().timeout());
    String tools = ToolDefinitions.text(request);
    long chars = ScanWork.chars(request.conversation()) + tools.length();
    if (scheduler == null || chars <= ScanWork.INLINE_CHARS) {
      return CompletableFuture.completedFuture(
          decide(request.conversation(), tools, session, budget));
    }
    return scheduler.submit(
        ScanWork.caller(request),
        budget,
        () -> decide(request.conversation(), tools, session, budget));
  }

  Verdict decide(Conversation c) {
    return decide(c, "", ScanBudget.UNLIMITED);
  }

  Verdict decide(Conversation c, String session) {
    return decide(c, session, ScanBudget.UNLIMITED);
  }

  /**
   * @throws dev.lmgate.filters.budget.ScanBudgetExceeded when the budget runs out (checked before
   *     each text)
   */
  Verdict decide(Conversation c, String session, ScanBudget budget) {
    return decide(c, "", session, budget);
  }

  /**
   * @param tools the text of the request's tool definitions ({@link ToolDefinitions})
   * @throws dev.lmgate.filters.budget.ScanBudgetExceeded when the budget runs out (checked before
   *     each text)
   */
  Verdict decide(Conversation c, String tools, String session, ScanBudget budget) {
    Set<String> blocked = new LinkedHashSet<>();
    String blockedWhere = null;
    Set<String> alerted = new LinkedHashSet<>();
    Set<String> redactedTypes = new LinkedHashSet<>();
    List<Edit> edits = new ArrayList<>();
    List<Located> located = parts(c);
    if (!tools.isEmpty()) { // no place to write a mask back: a finding to mask refuses instead
      located.add(new Located(new TextPart("", tools), "tools"));
    }
    for (Located part : located) {
      budget.check();
      List<SensitiveData.Finding> found = SensitiveData.find(part.part().text(), phones, budget);
      if (found.isEmpty()) {
        continue;
      }
      StringBuilder masked = new StringBuilder();
      int pos = 0;
      boolean changed = false;
      Set<String> partTypes = new LinkedHashSet<>(); // what this part would have masked
      String text = part.part().text();
      for (SensitiveData.Finding f : found) {
        switch (handlingOf(f.kind())) {
          case BLOCK -> {
            blocked.add(f.kind());
            blockedWhere = blockedWhere == null ? part.where() : blockedWhere;
          }
          case REDACT -> {
            masked.append(text, pos, f.start()).append('[').append(f.category()).append(']');
            pos = f.end();
            changed = true;
            partTypes.add(f.kind());
          }
          case PSEUDONYMIZE -> {
            masked
                .append(text, pos, f.start())
                .append(vault.pseudonym(session, f.category(), text.substring(f.start(), f.end())));
            pos = f.end();
            changed = true;
            partTypes.add(f.kind());
          }
          case ALERT -> alerted.add(f.kind());
          case ALLOW -> {}
        }
      }
      if (changed && part.part().pointer().isEmpty()) {
        // a text the dialect gives no place to write back (Anthropic tool_use input): refuse it
        blocked.addAll(partTypes);
        blockedWhere = blockedWhere == null ? part.where() : blockedWhere;
      } else if (changed) {
        redactedTypes.addAll(partTypes);
        masked.append(text, pos, text.length());
        edits.add(Edit.replace(part.part().pointer(), TextNode.valueOf(masked.toString())));
      }
    }
    if (!blocked.isEmpty()) {
      String types = String.join(", ", blocked);
      return Verdict.block(
          "found " + types + " in " + blockedWhere,
          new Rejection(
              400,
              "invalid_request_error",
              "sensitive_data_detected",
              blockedWhere,
              "The request contains "
                  + (blocked.stream().allMatch(SensitiveData::isSecret)
                      ? "a credential"
                      : "sensitive data")
                  + " ("
                  + types
                  + " in "
                  + blockedWhere
                  + ") that may not be sent to the model; remove it and send the request again.",
              Map.of()));
    }
    if (!edits.isEmpty()) {
      return Verdict.modify("masked " + String.join(", ", redactedTypes), edits);
    }
    if (!alerted.isEmpty()) {
      return Verdict.alert("found " + String.join(", ", alerted));
    }
    return Verdict.pass();
  }

  // ------------------------------------------------------------------ the answer

  @Override
  public boolean inspectsResponse(RequestView request) {
    return output.active() && request.route().operation().carriesPrompt();
  }

  @Override
  public CompletionStage<Verdict> onResponse(ResponseView response) {
    String session = session(response.request());
    List<Edit> edits = new ArrayList<>();
    Set<String> reasons = new LinkedHashSet<>();
    for (OutputText out : response.outputs()) {
      StreamInspector.StreamDecision d =
          answers.scan(session, out.channel(), out.text(), 0, true, null);
      if (d.block()) {
        return CompletableFuture.completedFuture(Verdict.block(d.reason(), leak(d.reason())));
      }
      if (!d.redactions().isEmpty()) {
        if (out.pointer().isEmpty()) {
          return CompletableFuture.completedFuture(Verdict.block(d.reason(), leak(d.reason())));
        }
        edits.add(
            Edit.replace(
                out.pointer(),
                TextNode.valueOf(AnswerScanner.applySpans(out.text(), d.redactions()))));
        reasons.add(d.reason());
      }
    }
    return CompletableFuture.completedFuture(
        edits.isEmpty() ? Verdict.pass() : Verdict.modify(String.join(", ", reasons), edits));
  }

  @Override
  public Optional<StreamInspector> streamInspector(RequestView request) {
    if (!inspectsResponse(request)) {
      return Optional.empty();
    }
    String session = session(request);
    Map<String, AnswerScanner.OutputScan> scans = new java.util.HashMap<>(); // per output
    return Optional.of(
        new StreamInspector() {
          @Override
          public int holdBack() {
            return output.holdBack();
          }

          @Override
          public StreamDecision inspect(
              String key, OutputChannel channel, String text, int scanFrom, boolean complete) {
            // a complete text ends its output's scan (a snapshot comes complete: scanned whole)
            AnswerScanner.OutputScan scan =
                complete ? scans.remove(key) : scans.computeIfAbsent(key, k -> answers.newScan());
            return answers.scan(session, channel, text, scanFrom, complete, scan);
          }
        });
  }

  /** The exchange has ended: its placeholders can never be restored again, so drop them now. */
  @Override
  public void onExchangeEnd(RequestView request, dev.lmgate.spi.ExchangeSummary summary) {
    if (vault != null) {
      vault.forget(session(request));
    }
  }

  private static Rejection leak(String reason) {
    return new Rejection(
        403,
        "content_filter",
        "content_filter",
        "",
        "The response was blocked by the gateway: it contained sensitive data (" + reason + ").",
        Map.of());
  }

  private record Located(TextPart part, String where) {}

  private static List<Located> parts(Conversation c) {
    List<Located> out = new ArrayList<>();
    for (int i = 0; i < c.messages().size(); i++) {
      Message m = c.messages().get(i);
      for (TextPart p : m.parts()) {
        out.add(new Located(p, "messages[" + i + "]"));
      }
      // the arguments of tool calls in an assistant turn the client replays reach the model too
      for (int k = 0; k < m.toolCalls().size(); k++) {
        TextPart args = m.toolCalls().get(k).arguments();
        if (args != null) {
          out.add(new Located(args, "messages[" + i + "].tool_calls[" + k + "]"));
        }
      }
    }
    for (int i = 0; i < c.prompts().size(); i++) {
      out.add(new Located(c.prompts().get(i), "prompt[" + i + "]"));
    }
    for (int i = 0; i < c.inputs().size(); i++) {
      out.add(new Located(c.inputs().get(i), "input[" + i + "]"));
    }
    return out;
  }

  /** Builds the filter from YAML (docs/input-guard.md, read by {@link SensitiveDataConfig}). */
  public static final class Factory implements FilterFactory {
    @Override
    public FilterDescription describe() {
      return FilterDescription.of(
              ID,
              FilterDescription.Stage.WHAT_GOES_IN,
              "Finds credentials and personal data in prompts and answers: blocks, redacts or pseudonymizes them.",
              "input-guard.md#sensitive-data")
          .judging(FilterDescription.Judges.PROMPTS, FilterDescription.Judges.ANSWERS)
          .handbook(6)
          .keys("types", "others", "pseudonym-ttl", "output", "phone-numbers");
    }

    /** A block naming the removed {@code session-header} is refused with the reason. */
    @Override
    public GatewayFilter create(
        String path, JsonNode config, FilterSettings settings, FilterEnvironment env)
        throws ConfigException {
      if (config != null && config.has("session-header")) {
        // Removed: a client-named session let callers sharing a key restore each other's values.
        throw new ConfigException(
            path + ".session-header",
            config.get("session-header").asText(),
            "nothing: pseudonyms are scoped to one exchange and no header widens that"
                + " (docs/input-guard.md#pseudonyms)");
      }
      return FilterFactory.super.create(path, config, settings, env);
    }

    @Override
    public GatewayFilter create(ConfigReader r, FilterSettings settings, FilterEnvironment env)
        throws ConfigException {
      SensitiveDataConfig c = SensitiveDataConfig.read(r);
      java.time.Duration ttl = c.pseudonymTtl();
      boolean pseudonyms = c.pseudonymizes();
      PseudonymVault vault =
          pseudonyms
              ? env.shared(
                  "sensitive-data.vault:" + ttl,
                  PseudonymVault.class,
                  () -> new PseudonymVault(ttl, env.clock()))
              : null;
      return new SensitiveDataFilter(
          settings,
          c.handling(),
          c.others(),
          vault,
          pseudonyms && !c.output().active()
              ? new Output(Map.of(), true, false, 256) // placeholders go back by default
              : c.output(),
          c.phones(),
          env.shared("scan-scheduler", FairScanScheduler.class, FairScanScheduler::forThisMachine));
    }
  }
}
