package dev.lmgate.filters.approval;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Pending approvals of sensitive tool calls, shared by the {@code tool-approval} filter (which
 * waits on them) and the admin API and CLI (through which people decide). An approval is bound to
 * the SHA-256 of the caller, the tool's name and its exact arguments: what an approver sees is what
 * runs. Each is decided once; an undecided one expires.
 */
public final class ApprovalStore {
  private static final SecureRandom RANDOM = new SecureRandom();

  /** What happened to an approval. */
  public enum State {
    PENDING,
    APPROVED,
    DENIED,
    EXPIRED
  }

  /**
   * One request for approval.
   *
   * @param id random, what approvers name
   * @param binding SHA-256 hex of principal, tool and arguments
   */
  public record Approval(
      String id,
      String binding,
      String principal,
      String tool,
      String arguments,
      String requestId,
      Instant created,
      Instant expires) {}

  private record Entry(Approval approval, CompletableFuture<State> decision) {}

  private final Clock clock;
  private final Map<String, Entry> entries = new ConcurrentHashMap<>();

  public ApprovalStore(Clock clock) {
    this.clock = clock;
  }

  /** Opens an approval; the future completes with its decision (or EXPIRED, by the caller). */
  public Pending open(
      String binding,
      String principal,
      String tool,
      String arguments,
      String requestId,
      Instant expires) {
    byte[] b = new byte[12];
    RANDOM.nextBytes(b);
    Approval a =
        new Approval(
            "apr_" + HexFormat.of().formatHex(b),
            binding,
            principal,
            tool,
            arguments,
            requestId,
            clock.instant(),
            expires);
    CompletableFuture<State> f = new CompletableFuture<>();
    entries.put(a.id(), new Entry(a, f));
    f.whenComplete((s, e) -> entries.remove(a.id()));
    return new Pending(a, f);
  }

  /** An open approval and its decision to come. */
  public record Pending(Approval approval, CompletableFuture<State> decision) {}

  /** The approvals waiting for a decision, oldest first. */
  public List<Approval> pending() {
    List<Approval> out = new ArrayList<>();
    for (Entry e : entries.values()) {
      if (!e.decision().isDone()) {
        out.add(e.approval());
      }
    }
    out.sort((x, y) -> x.created().compareTo(y.created()));
    return out;
  }

  /**
   * Decides an approval; false when there is no such pending approval (unknown, decided, expired).
   */
  public boolean decide(String id, boolean approve) {
    Entry e = entries.get(id);
    if (e == null || clock.instant().isAfter(e.approval().expires())) {
      return false;
    }
    return e.decision().complete(approve ? State.APPROVED : State.DENIED);
  }

  public Optional<Approval> find(String id) {
    Entry e = entries.get(id);
    return e == null ? Optional.empty() : Optional.of(e.approval());
  }
}
