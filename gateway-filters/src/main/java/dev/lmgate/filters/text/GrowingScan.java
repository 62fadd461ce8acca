package dev.lmgate.filters.text;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;

/**
 * One pattern's matches over a text that grows (a streamed answer), found exactly as one scan of
 * the whole text would find them, each as soon as it is decided.
 *
 * <p>A scan of a whole text tries the pattern at a position, takes the leftmost match, and goes on
 * from where the caller says (after the match, or one past its start). Where it goes on matters
 * when the caller rejects matches by a check (a Luhn digit): a scan started elsewhere lines up
 * differently and can step over the one run of digits that passes. So the scan keeps its own
 * position across calls instead of starting where another detector left off, and stops at the first
 * match that more text could still change: one that starts at or after a position the pattern's
 * {@link PrefixAutomaton} still finds live (an earlier match may yet appear there), or that touches
 * the end. Matches before it are exactly those the whole text gives.
 *
 * <p>Bounded: a match still pending once it began more than {@code holdBack} characters ago is
 * taken as it stands, and a live start that old is given up (the stream guard releases that text
 * anyway), so a call costs the text since the scan's position, at most {@code holdBack} plus what
 * arrived. A match taken as it stands may end before the one the whole text gives, so from then on
 * the scan no longer knows where the whole text's scan stands (nor once it gives up a live start
 * that old): it goes on one past the start of each match instead of past its end, trying every
 * start, which finds every match the whole text gives, and possibly more (masked too: never fewer).
 */
public final class GrowingScan {
  /** What the caller makes of a match: the position the scan goes on from, past its start. */
  public interface Step {
    int next(Matcher match);
  }

  private final Pattern pattern;
  private final PrefixAutomaton automaton;
  private int at; // where a scan of the whole text would try next
  private boolean everyStart; // a match was taken as it stands: try every start from here on

  public GrowingScan(Pattern pattern, PrefixAutomaton automaton) {
    this.pattern = pattern;
    this.automaton = automaton;
  }

  /** Where the scan stands: no match it has not yet passed to a step starts before it. */
  public int position() {
    return at;
  }

  /**
   * Passes every match decided since the last call to {@code step}, in order; returns the earliest
   * position from which a match could still complete as the text grows ({@code text.length()} when
   * none, and always once {@code complete}).
   *
   * @param text the whole text so far; each call's text extends the last one's
   * @param complete whether the text is final: every match is decided
   * @param holdBack how old a pending match or live start may get before it is decided as it stands
   */
  public int advance(String text, boolean complete, int holdBack, Step step) {
    int len = text.length();
    Matcher m = pattern.matcher(text);
    if (complete) {
      while (at <= len && m.find(at)) {
        take(m, step);
      }
      return len;
    }
    int oldest = len - holdBack; // a start before it is more than holdBack characters back
    int live = automaton.liveFrom(text, at);
    while (at <= len && m.find(at)) {
      boolean open = m.start() >= live || m.end() == len;
      if (open && m.start() >= oldest) {
        // More text may change it: decided later. No match can start before it or before the
        // live position any more, so the scan goes on from there (work per call stays bounded).
        int pending = Math.min(live, m.start());
        giveUpBefore(oldest, pending);
        at = Math.max(at, Math.min(m.start(), Math.max(pending, oldest)));
        return pending;
      }
      if (open) {
        everyStart = true; // taken as it stands, longer than holdBack
      }
      take(m, step);
      if (at > live) {
        live = at > len ? len : automaton.liveFrom(text, at);
      }
    }
    // No match from here on: any later one starts where the automaton is still live. One that
    // would start before oldest is longer than hold-back: given up (released anyway).
    giveUpBefore(oldest, live);
    at = Math.max(at, Math.min(len, Math.max(live, oldest)));
    return live;
  }

  /**
   * A live start before {@code oldest} is given up: the whole text's scan may yet take a match from
   * there and go on past its end, so from here on every start is tried.
   */
  private void giveUpBefore(int oldest, int live) {
    if (live < oldest) {
      everyStart = true;
    }
  }

  private void take(Matcher m, Step step) {
    int next = step.next(m);
    at = everyStart && next <= m.end() ? m.start() + 1 : next; // past the end: the caller stops
  }

  /**
   * Moves the scan past text that needs no scanning (a gate found no candidate in it): it goes on
   * from where the automaton is still live, as {@link #advance} would after finding no match.
   * Returns that position.
   */
  public int skip(String text, int holdBack) {
    int len = text.length();
    int live = automaton.liveFrom(text, at);
    giveUpBefore(len - holdBack, live);
    at = Math.max(at, Math.min(len, Math.max(live, len - holdBack)));
    return live;
  }
}
