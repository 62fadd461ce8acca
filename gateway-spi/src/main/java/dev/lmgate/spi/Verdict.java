package dev.lmgate.spi;

import java.util.List;
import java.util.Objects;

/**
 * What a filter decided about one phase of an exchange. Filters return a completed verdict; they
 * never signal a block by throwing or returning {@code null}.
 *
 * @param kind the decision
 * @param reason a short, secret-free explanation for the audit record and metrics (rule name,
 *     limit), empty on pass
 * @param edits for {@link Kind#MODIFY}: the changes to apply to the body
 * @param rejection for {@link Kind#BLOCK}: the error the client receives
 * @param principal for an authentication filter's {@link Kind#PASS}: who the caller is; the core
 *     attaches it to the exchange for later filters, the audit trail and rate limits, or {@code
 *     null}
 */
public record Verdict(
    Kind kind, String reason, List<Edit> edits, Rejection rejection, Principal principal) {

  /** The decision. */
  public enum Kind {
    /** Nothing to say. */
    PASS,
    /** Passed, but noted (shadow mode, {@code action: alert}). */
    ALERT,
    /** Passed with edits to the body. */
    MODIFY,
    /** Stopped: the client gets {@link #rejection()}, nothing is forwarded. */
    BLOCK
  }

  private static final Verdict PASS = new Verdict(Kind.PASS, "", List.of(), null, null);

  public Verdict {
    Objects.requireNonNull(kind, "kind");
    reason = reason == null ? "" : reason;
    edits = List.copyOf(edits);
    if (kind == Kind.BLOCK && rejection == null) {
      throw new IllegalArgumentException("a BLOCK verdict needs a rejection");
    }
    if (kind == Kind.MODIFY && edits.isEmpty()) {
      throw new IllegalArgumentException("a MODIFY verdict needs at least one edit");
    }
    if (principal != null && kind != Kind.PASS) {
      throw new IllegalArgumentException("only a PASS verdict establishes a principal");
    }
  }

  public static Verdict pass() {
    return PASS;
  }

  public static Verdict alert(String reason) {
    return new Verdict(Kind.ALERT, reason, List.of(), null, null);
  }

  public static Verdict modify(String reason, List<Edit> edits) {
    return new Verdict(Kind.MODIFY, reason, edits, null, null);
  }

  public static Verdict block(String reason, Rejection rejection) {
    return new Verdict(Kind.BLOCK, reason, List.of(), rejection, null);
  }

  /** The caller proved who they are. */
  public static Verdict authenticated(String reason, Principal principal) {
    return new Verdict(
        Kind.PASS, reason, List.of(), null, java.util.Objects.requireNonNull(principal));
  }
}
