package dev.lmgate.audit.record;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lmgate.audit.crypto.PeriodKeys;
import dev.lmgate.audit.log.CanonicalJson;
import dev.lmgate.spi.Conversation;
import dev.lmgate.spi.ExchangeSummary;
import dev.lmgate.spi.FilterOutcome;
import dev.lmgate.spi.Message;
import dev.lmgate.spi.Operation;
import dev.lmgate.spi.OutputText;
import dev.lmgate.spi.Principal;
import dev.lmgate.spi.Route;
import dev.lmgate.spi.SecurityEvent;
import dev.lmgate.spi.TextPart;
import dev.lmgate.spi.ToolCall;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * Turns exchanges and security events into audit records (see docs/audit.md for every field). A
 * record never holds a credential; its payloads ({@code prompt}, {@code response}) are kept as the
 * {@link PayloadPolicy} says.
 */
public final class RecordBuilder {
  private static final JsonNodeFactory NODES = CanonicalJson.NODES;

  private final PayloadPolicy policy;
  private final PeriodKeys keys;
  private final Redactor redactor;

  /**
   * @param keys the payload keys; may be {@code null} when no rule encrypts
   * @param redactor masks sensitive spans for {@code redacted} payloads
   */
  public RecordBuilder(PayloadPolicy policy, PeriodKeys keys, Redactor redactor) {
    if (keys == null && usesEncryption(policy)) {
      throw new IllegalArgumentException("encrypted payloads need a master key");
    }
    this.policy = policy;
    this.keys = keys;
    this.redactor = redactor;
  }

  private static boolean usesEncryption(PayloadPolicy p) {
    return p.payloads() == PayloadMode.ENCRYPTED
        || p.rules().stream().anyMatch(r -> r.payloads() == PayloadMode.ENCRYPTED);
  }

  public boolean capturesPayloads() {
    return policy.capturesPayloads();
  }

  /**
   * Whether an answer on this route to this caller is recorded with text: not when the policy keeps
   * no payloads for it, nor for operations whose answers carry no text (embeddings, model lists),
   * so that those answers are relayed without being buffered.
   */
  public boolean capturesAnswer(Route route, Principal principal) {
    if (route == null || !TEXT_ANSWERS.contains(route.operation())) {
      return false;
    }
    return policy.choose(route.id(), principal, false).payloads() != PayloadMode.NONE;
  }

  private static final java.util.Set<Operation> TEXT_ANSWERS =
      java.util.EnumSet.of(
          Operation.CHAT,
          Operation.COMPLETION,
          Operation.RESPONSES,
          Operation.MESSAGES,
          Operation.NATIVE_CHAT);

  /** The record of a finished exchange. */
  public ObjectNode exchange(ExchangeSummary s) throws IOException {
    ObjectNode r = NODES.objectNode();
    r.put("kind", "exchange");
    r.put("time", s.start().toString());
    r.put("request_id", s.requestId());
    principal(r, s.principal());
    r.put("client", s.clientAddress());
    r.put("method", s.method());
    r.put("path", s.path());
    if (s.route() != null) {
      r.put("route", s.route().id());
      r.put("dialect", s.route().dialect().name().toLowerCase(Locale.ROOT));
    }
    if (!s.model().isEmpty()) {
      r.put("model", s.model());
    }
    r.put("stream", s.streamed());
    r.put("status", s.status());
    r.put("decision", s.decision().name().toLowerCase(Locale.ROOT));
    r.put("latency_us", s.nanos() / 1000);
    ArrayNode filters = r.putArray("filters");
    for (FilterOutcome o : s.filters()) {
      ObjectNode f = filters.addObject();
      f.put("id", o.filterId());
      f.put("phase", o.phase().name().toLowerCase(Locale.ROOT));
      f.put("verdict", o.verdict().name().toLowerCase(Locale.ROOT));
      if (!o.reason().isEmpty()) {
        f.put("reason", o.reason());
      }
      f.put("us", o.nanos() / 1000);
    }
    if (s.usage() != null) {
      ObjectNode u = r.putObject("usage");
      u.put("input", s.usage().input());
      u.put("output", s.usage().output());
      u.put("estimated", s.usage().estimated());
    }
    boolean blocked =
        s.decision() == ExchangeSummary.Decision.BLOCKED_REQUEST
            || s.decision() == ExchangeSummary.Decision.BLOCKED_RESPONSE;
    PayloadPolicy.Choice c =
        policy.choose(s.route() == null ? "" : s.route().id(), s.principal(), blocked);
    r.put("class", c.retentionClass());
    r.put("payloads", c.payloads().id());
    if (c.payloads() != PayloadMode.NONE) {
      r.set("prompt", protect(s.requestId(), "prompt", prompt(s.conversation(), c), s.start(), c));
      r.set(
          "response", protect(s.requestId(), "response", response(s.response(), c), s.start(), c));
    }
    return r;
  }

  /** The record of a security event. */
  public ObjectNode security(SecurityEvent e) {
    ObjectNode r = NODES.objectNode();
    r.put("kind", "security");
    r.put("time", e.time().toString());
    r.put("type", e.type().name().toLowerCase(Locale.ROOT));
    r.put("reason", e.reason());
    if (!e.requestId().isEmpty()) {
      r.put("request_id", e.requestId());
    }
    if (!e.principalId().isEmpty()) {
      r.put("principal", e.principalId());
    }
    if (!e.routeId().isEmpty()) {
      r.put("route", e.routeId());
    }
    if (!e.clientAddress().isEmpty()) {
      r.put("client", e.clientAddress());
    }
    if (!e.detail().isEmpty()) {
      r.put("detail", e.detail());
    }
    if (!e.claimedOperator().isEmpty()) {
      // what the caller said about itself, kept apart from "principal" (what was authenticated)
      r.putObject("claimed_operator").put("name", e.claimedOperator()).put("verified", false);
    }
    r.put("class", PayloadPolicy.COMPLIANCE);
    return r;
  }

  /** A record the log writes about itself (retention, alerts it raised). */
  public static ObjectNode note(String kind, Instant time, String detail) {
    ObjectNode r = NODES.objectNode();
    r.put("kind", kind);
    r.put("time", time.toString());
    r.put("detail", detail);
    return r;
  }

  private static void principal(ObjectNode r, Principal p) {
    if (p == null) {
      return;
    }
    r.put("principal", p.id());
    ArrayNode roles = r.putArray("roles");
    p.roles().stream().sorted().forEach(roles::add);
  }

  private ObjectNode prompt(Conversation c, PayloadPolicy.Choice choice) {
    boolean redact = choice.payloads() == PayloadMode.REDACTED;
    ObjectNode p = NODES.objectNode();
    if (!c.messages().isEmpty()) {
      ArrayNode ms = p.putArray("messages");
      for (Message m : c.messages()) {
        ObjectNode o = ms.addObject();
        o.put("role", m.role());
        o.put("text", text(m.text(), redact));
        if (!m.toolCalls().isEmpty()) {
          ArrayNode tcs = o.putArray("tool_calls");
          for (ToolCall t : m.toolCalls()) {
            ObjectNode tc = tcs.addObject();
            tc.put("name", t.name());
            tc.put("arguments", text(t.arguments().text(), redact));
          }
        }
      }
    }
    parts(p, "prompts", c.prompts(), redact);
    parts(p, "inputs", c.inputs(), redact);
    return p;
  }

  private void parts(ObjectNode p, String name, List<TextPart> parts, boolean redact) {
    if (!parts.isEmpty()) {
      ArrayNode a = p.putArray(name);
      parts.forEach(t -> a.add(text(t.text(), redact)));
    }
  }

  private ObjectNode response(List<OutputText> outputs, PayloadPolicy.Choice choice) {
    boolean redact = choice.payloads() == PayloadMode.REDACTED;
    ObjectNode p = NODES.objectNode();
    ArrayNode a = p.putArray("outputs");
    for (OutputText o : outputs) {
      ObjectNode n = a.addObject();
      n.put("key", o.key());
      n.put("channel", o.channel().name().toLowerCase(Locale.ROOT));
      n.put("text", text(o.text(), redact));
    }
    return p;
  }

  private String text(String t, boolean redact) {
    return redact && redactor != null ? redactor.redact(t) : t;
  }

  private ObjectNode protect(
      String requestId, String field, ObjectNode plain, Instant time, PayloadPolicy.Choice c)
      throws IOException {
    return switch (c.payloads()) {
      case ENCRYPTED ->
          keys.seal(requestId + "/" + field, CanonicalJson.encode(plain), time, c.retentionClass());
      case HASH_ONLY -> {
        ObjectNode h = NODES.objectNode();
        h.put("sha256", HexFormat.of().formatHex(sha256(CanonicalJson.encode(plain))));
        yield h;
      }
      case REDACTED -> plain;
      case NONE -> throw new IllegalStateException("no payload in mode none");
    };
  }

  private static byte[] sha256(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
