package com.google.re2j;

/**
 * Read-only access to the instructions RE2/J compiles a {@link Pattern} into, for lmgate's stream
 * scanner ({@code dev.lmgate.filters.text.PrefixAutomaton}), which runs them as an NFA over text
 * that is still growing to tell where a match could still start. RE2/J keeps its program
 * package-private; this class, in its package, copies what the scanner needs and nothing else.
 * Pinned to the RE2/J version in the build (1.8): its instruction set is Go's regexp/syntax.
 */
public final class CompiledProgram {
  /** Instruction kinds, as RE2/J numbers them. */
  public static final int ALT = Inst.ALT;

  public static final int ALT_MATCH = Inst.ALT_MATCH;
  public static final int CAPTURE = Inst.CAPTURE;
  public static final int EMPTY_WIDTH = Inst.EMPTY_WIDTH;
  public static final int FAIL = Inst.FAIL;
  public static final int MATCH = Inst.MATCH;
  public static final int NOP = Inst.NOP;
  public static final int RUNE = Inst.RUNE;
  public static final int RUNE1 = Inst.RUNE1;
  public static final int RUNE_ANY = Inst.RUNE_ANY;
  public static final int RUNE_ANY_NOT_NL = Inst.RUNE_ANY_NOT_NL;

  /** Empty-width conditions (the argument of {@link #EMPTY_WIDTH}), as RE2/J numbers them. */
  public static final int BEGIN_LINE = Utils.EMPTY_BEGIN_LINE;

  public static final int END_LINE = Utils.EMPTY_END_LINE;
  public static final int BEGIN_TEXT = Utils.EMPTY_BEGIN_TEXT;
  public static final int END_TEXT = Utils.EMPTY_END_TEXT;
  public static final int WORD_BOUNDARY = Utils.EMPTY_WORD_BOUNDARY;
  public static final int NO_WORD_BOUNDARY = Utils.EMPTY_NO_WORD_BOUNDARY;

  private final Inst[] inst;
  private final int start;

  private CompiledProgram(Prog prog) {
    this.inst = new Inst[prog.numInst()];
    for (int pc = 0; pc < inst.length; pc++) {
      inst[pc] = prog.getInst(pc);
    }
    this.start = prog.start;
  }

  /** The program of a compiled pattern. */
  public static CompiledProgram of(Pattern pattern) {
    return new CompiledProgram(pattern.re2().prog);
  }

  /** Number of instructions; instruction 0 always fails. */
  public int size() {
    return inst.length;
  }

  /** The first instruction. */
  public int start() {
    return start;
  }

  public int op(int pc) {
    return inst[pc].op;
  }

  /** The next instruction (all but MATCH and FAIL). */
  public int out(int pc) {
    return inst[pc].out;
  }

  /** ALT's other branch, or EMPTY_WIDTH's conditions. */
  public int arg(int pc) {
    return inst[pc].arg;
  }

  /** Whether a rune instruction accepts {@code rune} (case folding included). */
  public boolean matchRune(int pc, int rune) {
    Inst i = inst[pc];
    switch (i.op) {
      case Inst.RUNE:
        return i.matchRune(rune);
      case Inst.RUNE1:
        return rune == i.runes[0];
      case Inst.RUNE_ANY:
        return true;
      case Inst.RUNE_ANY_NOT_NL:
        return rune != '\n';
      default:
        return false;
    }
  }

  /** The empty-width conditions that hold between {@code before} and {@code after} (-1: edge). */
  public static int conditions(int before, int after) {
    return Utils.emptyOpContext(before, after);
  }
}
