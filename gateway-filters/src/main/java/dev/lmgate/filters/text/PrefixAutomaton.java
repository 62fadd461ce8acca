package dev.lmgate.filters.text;

import com.google.re2j.CompiledProgram;
import com.google.re2j.Pattern;

/**
 * A pattern run as an automaton over text that is still growing, answering the stream guard's
 * question exactly: <b>from which position could a match still complete</b> once more text arrives?
 * Everything before that position is decided — no match that is not already there can include it —
 * and may be released.
 *
 * <p>It simulates RE2/J's own compiled program (a Thompson NFA; {@link CompiledProgram}) from a
 * start position, keeping for each live instruction the earliest position a thread reached it from.
 * At the end of the text the conditions that depend on the next character ({@code \b}, {@code $})
 * are unknown and taken as possibly true, and a match that ends exactly there is still open (a
 * longer one, or none, may follow): both keep their start live. A match that ended before the end
 * is decided and holds nothing (the caller acts on it). Linear: each character costs at most one
 * step per instruction.
 */
public final class PrefixAutomaton {
  /** The conditions that depend on the character after a position. */
  private static final int NEXT_DEPENDENT =
      CompiledProgram.END_LINE
          | CompiledProgram.END_TEXT
          | CompiledProgram.WORD_BOUNDARY
          | CompiledProgram.NO_WORD_BOUNDARY;

  private final CompiledProgram prog;
  private final boolean[] asciiStarts; // ASCII characters a match can begin with
  private final boolean nonAsciiStarts; // whether one can begin with a non-ASCII character

  /**
   * The two thread lists a run needs, kept per thread and shared by every automaton (one thread
   * local, not one per pattern: an inspection runs every detector on every event), grown to the
   * largest program that used them.
   */
  private static final ThreadLocal<Queue[]> QUEUES =
      ThreadLocal.withInitial(() -> new Queue[] {new Queue(0), new Queue(0)});

  private PrefixAutomaton(CompiledProgram prog) {
    this.prog = prog;
    Queue q = new Queue(prog.size());
    q.add(prog, prog.start(), 0, -1);
    this.asciiStarts = new boolean[128];
    boolean nonAscii = false;
    for (int k = 0; k < q.size; k++) {
      int pc = q.pc[k];
      if (!isRune(prog.op(pc))) {
        continue;
      }
      for (int c = 0; c < 128; c++) {
        asciiStarts[c] |= prog.matchRune(pc, c);
      }
      nonAscii = true; // conservative: any rune instruction may take some non-ASCII character
    }
    this.nonAsciiStarts = nonAscii;
  }

  /** The automaton of a compiled pattern. */
  public static PrefixAutomaton of(Pattern pattern) {
    return new PrefixAutomaton(CompiledProgram.of(pattern));
  }

  /**
   * The earliest position {@code >= from} at which a match could still be completing when the text
   * grows: a thread of the automaton is alive at the end of {@code text}, or a match ends exactly
   * there. {@code text.length()} when none (everything is decided). The text before {@code from} is
   * only context (for {@code \b} and {@code ^}).
   */
  public int liveFrom(CharSequence text, int from) {
    int len = text.length();
    Queue[] q = QUEUES.get();
    if (q[0].pc.length < prog.size()) {
      q[0] = new Queue(prog.size());
      q[1] = new Queue(prog.size());
    }
    Queue run = q[0];
    Queue next = q[1];
    run.clear();
    int pos = from;
    int before = pos > 0 ? Character.codePointBefore(text, pos) : -1;
    while (true) {
      int c = pos < len ? Character.codePointAt(text, pos) : -1;
      if (run.isEmpty() && pos < len && !startsMatch(c)) {
        // nothing running and no match can begin here: the common case in prose, kept cheap
        before = c;
        pos += Character.charCount(c);
        continue;
      }
      int here =
          pos < len
              ? CompiledProgram.conditions(before, c)
              : (CompiledProgram.conditions(before, -1) & ~NEXT_DEPENDENT) | NEXT_DEPENDENT;
      if (pos < len && (!run.isEmpty() || startsMatch(c))) {
        // threads already running have earlier starts and claim their instructions first (a
        // thread starting at the end could only answer the end itself: not started)
        run.add(prog, prog.start(), pos, here);
      }
      if (pos == len) {
        break;
      }
      int after = pos + Character.charCount(c);
      int d = after < len ? Character.codePointAt(text, after) : -1;
      int there =
          after < len
              ? CompiledProgram.conditions(c, d)
              : (CompiledProgram.conditions(c, -1) & ~NEXT_DEPENDENT) | NEXT_DEPENDENT;
      next.clear();
      for (int k = 0; k < run.size; k++) {
        int pc = run.pc[k];
        if (isRune(prog.op(pc)) && prog.matchRune(pc, c)) {
          next.add(prog, prog.out(pc), run.start[k], there);
        }
        // a MATCH before the end is a decided match: its thread ends here
      }
      Queue t = run;
      run = next;
      next = t;
      before = c;
      pos = after;
    }
    int live = len;
    for (int k = 0; k < run.size; k++) {
      int op = prog.op(run.pc[k]);
      if ((isRune(op) || op == CompiledProgram.MATCH) && run.start[k] < live) {
        live = run.start[k];
      }
    }
    return live;
  }

  private boolean startsMatch(int c) {
    return c < 128 ? c >= 0 && asciiStarts[c] : nonAsciiStarts;
  }

  private static boolean isRune(int op) {
    return op == CompiledProgram.RUNE
        || op == CompiledProgram.RUNE1
        || op == CompiledProgram.RUNE_ANY
        || op == CompiledProgram.RUNE_ANY_NOT_NL;
  }

  /**
   * The threads at one position: a sparse set of instructions, each with the earliest start that
   * reached it, in the order they were added (earliest starts first).
   */
  private static final class Queue {
    final int[] pc;
    final int[] start;
    final int[] slot; // pc → index in pc[] (valid when pc[slot[p]] == p and slot[p] < size)
    final int[] stack;
    int size;

    Queue(int n) {
      pc = new int[n];
      start = new int[n];
      slot = new int[n];
      stack = new int[n];
    }

    boolean isEmpty() {
      return size == 0;
    }

    void clear() {
      size = 0;
    }

    boolean contains(int p) {
      int j = slot[p];
      return j < size && pc[j] == p;
    }

    /**
     * Adds {@code first} and every instruction it reaches without reading a character under the
     * conditions {@code cond}, all with the start {@code from}; instructions already present keep
     * their (earlier or equal) start.
     */
    void add(CompiledProgram prog, int first, int from, int cond) {
      int top = push(first, from, 0);
      while (top > 0) {
        int p = stack[--top];
        switch (prog.op(p)) {
          case CompiledProgram.ALT, CompiledProgram.ALT_MATCH -> {
            top = push(prog.arg(p), from, top);
            top = push(prog.out(p), from, top);
          }
          case CompiledProgram.EMPTY_WIDTH -> {
            if ((prog.arg(p) & ~cond) == 0) {
              top = push(prog.out(p), from, top);
            }
          }
          case CompiledProgram.NOP, CompiledProgram.CAPTURE -> top = push(prog.out(p), from, top);
          default -> {} // runes wait for a character; MATCH and FAIL end the thread
        }
      }
    }

    /**
     * Adds {@code p} (unless it fails or is present) and stacks it to expand; each at most once.
     */
    private int push(int p, int from, int top) {
      if (p == 0 || contains(p)) {
        return top;
      }
      slot[p] = size;
      pc[size] = p;
      start[size] = from;
      size++;
      stack[top] = p;
      return top + 1;
    }
  }
}
