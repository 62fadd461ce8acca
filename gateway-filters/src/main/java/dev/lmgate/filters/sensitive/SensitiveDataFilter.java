package dev.lmgate.filters.sensitive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.lmgate.spi.ConfigException;
import dev.lmgate.spi.ConfigReader;
import dev.lmgate.spi.Conversation;
import dev.lmgate.spi.Edit;
import dev.lmgate.spi.FilterEnvironment;
import dev.lmgate.spi.FilterFactory;
import dev.lmgate.spi.FilterSettings;
import dev.lmgate.spi.GatewayFilter;
import dev.lmgate.spi.Message;
import dev.lmgate.spi.Rejection;
import dev.lmgate.spi.RequestView;
import dev.lmgate.spi.TextPart;
import dev.lmgate.spi.Verdict;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
public final class SensitiveDataFilter implements GatewayFilter {
  public static final String ID = "sensitive-data";

  /** What to do with a type. */
  public enum Handling {
    BLOCK,
    REDACT,
    /**
     * Replace with a placeholder stable within the session ({@code [EMAIL_1]}), kept to restore.
     */
    PSEUDONYMIZE,
    ALERT,
    ALLOW
  }

  private final FilterSettings settings;
  private final Map<String, Handling> handling;
  private final Handling others;
  private final PseudonymVault vault;
  private final String sessionHeader;

  /**
   * @param handling by type
   * @param others for types {@code handling} does not name
   * @param vault where pseudonyms are kept (shared with the output side), or null when none is used
   * @param sessionHeader the request header that names a session within a caller's traffic
   */
  public SensitiveDataFilter(
      FilterSettings settings,
      Map<String, Handling> handling,
      Handling others,
      PseudonymVault vault,
      String sessionHeader) {
    this.settings = settings;
    this.handling = Map.copyOf(handling);
    this.others = others;
    this.vault = vault;
    this.sessionHeader = sessionHeader;
  }

  /**
   * The pseudonym session of a request: the caller (or, unauthenticated, the client address) and
   * the session header's value when the client sends one.
   */
  public static String session(RequestView request, String sessionHeader) {
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
    return who + "|" + request.header(sessionHeader).orElse("");
  }

  @Override
  public String id() {
    return ID;
  }

  @Override
  public FilterSettings settings() {
    return settings;
  }

  Handling handlingOf(String kind) {
    return handling.getOrDefault(kind, others);
  }

  @Override
  public CompletionStage<Verdict> onRequest(RequestView request) {
    if (vault != null) {
      vault.expireEvery(java.time.Duration.ofMinutes(1));
    }
    return CompletableFuture.completedFuture(
        decide(request.conversation(), session(request, sessionHeader)));
  }

  Verdict decide(Conversation c) {
    return decide(c, "");
  }

  Verdict decide(Conversation c, String session) {
    Set<String> blocked = new LinkedHashSet<>();
    String blockedWhere = null;
    Set<String> alerted = new LinkedHashSet<>();
    Set<String> redactedTypes = new LinkedHashSet<>();
    List<Edit> edits = new ArrayList<>();
    for (Located part : parts(c)) {
      List<SensitiveData.Finding> found = SensitiveData.find(part.part().text());
      if (found.isEmpty()) {
        continue;
      }
      StringBuilder masked = new StringBuilder();
      int pos = 0;
      boolean changed = false;
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
            redactedTypes.add(f.kind());
          }
          case PSEUDONYMIZE -> {
            masked
                .append(text, pos, f.start())
                .append(vault.pseudonym(session, f.category(), text.substring(f.start(), f.end())));
            pos = f.end();
            changed = true;
            redactedTypes.add(f.kind());
          }
          case ALERT -> alerted.add(f.kind());
          case ALLOW -> {}
        }
      }
      if (changed) {
        masked.append(text, pos, text.length());
        edits.add(new Edit(part.part().pointer(), TextNode.valueOf(masked.toString())));
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

  private record Located(TextPart part, String where) {}

  private static List<Located> parts(Conversation c) {
    List<Located> out = new ArrayList<>();
    for (int i = 0; i < c.messages().size(); i++) {
      Message m = c.messages().get(i);
      for (TextPart p : m.parts()) {
        out.add(new Located(p, "messages[" + i + "]"));
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

  /** Builds the filter from YAML (docs/input-guard.md). */
  public static final class Factory implements FilterFactory {
    @Override
    public String id() {
      return ID;
    }

    @Override
    public GatewayFilter create(
        String path, JsonNode config, FilterSettings settings, FilterEnvironment env)
        throws ConfigException {
      ConfigReader r =
          new ConfigReader(path, config)
              .only(Set.of("types", "others", "pseudonym-ttl", "session-header"));
      Map<String, Handling> handling = new LinkedHashMap<>();
      if (r.has("types")) {
        ConfigReader t = r.child("types");
        var names = t.node().fieldNames();
        List<String> keys = new ArrayList<>();
        names.forEachRemaining(keys::add);
        for (String key : keys) {
          Handling h = handling(t, key);
          String k = key.toUpperCase(Locale.ROOT).replace('-', '_');
          if (k.equals("SECRETS") || k.equals("PERSONAL")) {
            for (String type : SensitiveData.TYPES) {
              if (SensitiveData.isSecret(type) == k.equals("SECRETS")) {
                handling.putIfAbsent(type, h);
              }
            }
          } else if (SensitiveData.TYPES.contains(k)) {
            handling.put(k, h); // a named type wins over its group
          } else {
            throw new ConfigException(
                t.path() + "." + key, key, "secrets, personal or one of " + SensitiveData.TYPES);
          }
        }
      }
      Handling others = r.has("others") ? handling(r, "others") : Handling.ALERT;
      java.time.Duration ttl = r.duration("pseudonym-ttl", java.time.Duration.ofHours(1));
      PseudonymVault vault =
          handling.containsValue(Handling.PSEUDONYMIZE) || others == Handling.PSEUDONYMIZE
              ? env.shared(
                  "sensitive-data.vault:" + ttl,
                  PseudonymVault.class,
                  () -> new PseudonymVault(ttl, env.clock()))
              : null;
      return new SensitiveDataFilter(
          settings,
          handling,
          others,
          vault,
          r.string("session-header", "x-lmgate-session").toLowerCase(Locale.ROOT));
    }

    private static Handling handling(ConfigReader r, String key) throws ConfigException {
      try {
        return Handling.valueOf(r.requiredString(key).toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(
            r.path() + "." + key, r.node().get(key), "block, redact, pseudonymize, alert or allow");
      }
    }
  }
}
