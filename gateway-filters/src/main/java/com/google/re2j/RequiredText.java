package com.google.re2j;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Text every match of a pattern must contain, read from RE2/J's parse tree (which it keeps
 * package-private; this class, in its package, reads it and nothing else). The answer is a
 * conjunction of clauses, each a set of strings of which at least one occurs in any match: {@code
 * \bignore (?:all |the )?previous instructions} gives {@code [{"ignore "}, {"previous
 * instructions"}]}. A text that lacks a clause cannot match, so the pattern need not run on it —
 * RE2's prefilter idea, kept simple: where the tree says too little (case folding, wide classes,
 * optional parts), fewer or no clauses are given, never a wrong one. Pinned to the RE2/J version in
 * the build (1.8), like {@link CompiledProgram}: an operator a later version adds reads as
 * "anything", which skips nothing; re-run RequiredTextTest on an upgrade.
 */
public final class RequiredText {
  /** Sets of alternatives grow by cross product up to this size; beyond, they become a clause. */
  private static final int MAX_EXACT = 16;

  /** The most clauses kept (the most selective); checking more costs more than it saves. */
  private static final int MAX_CLAUSES = 4;

  /** Clauses an alternative contributes to the clauses of an alternation. */
  private static final int PER_ALTERNATIVE = 3;

  /** The most clauses an alternation makes. */
  private static final int MAX_PRODUCT = 27;

  /** Longer shortest strings first (rarer in text), then fewer strings. */
  private static final Comparator<Set<String>> SELECTIVE =
      Comparator.comparingInt(RequiredText::shortest).reversed().thenComparingInt(Set::size);

  private RequiredText() {}

  /**
   * The clauses for {@code pattern}, most selective first; empty when nothing is known (then every
   * text may match). Patterns compiled with flags are not analysed.
   */
  public static List<Set<String>> of(Pattern pattern) {
    if (pattern.flags() != 0) {
      return List.of();
    }
    Info root = analyse(Parser.parse(pattern.pattern(), RE2.PERL));
    List<Set<String>> clauses = new ArrayList<>(root.clauses);
    if (root.exact != null) {
      clauses.add(root.exact);
    }
    clauses.removeIf(c -> c.contains(""));
    clauses.sort(
        Comparator.comparingInt(RequiredText::shortest).reversed().thenComparingInt(Set::size));
    List<Set<String>> out = new ArrayList<>();
    for (Set<String> c : clauses) {
      if (out.size() < MAX_CLAUSES && !out.contains(c)) {
        out.add(Collections.unmodifiableSet(c));
      }
    }
    return List.copyOf(out);
  }

  /** The most strings {@link #starts} gives; a pattern that can begin more ways gives none. */
  private static final int MAX_STARTS = 64;

  /**
   * Strings one of which every match of {@code pattern} begins with (after empty-width assertions
   * such as {@code \b}), none a prefix of another; empty when that is not known (a match may begin
   * with anything, or be empty). A search may then try the pattern only where one of them occurs.
   * Patterns compiled with flags are not analysed.
   */
  public static Set<String> starts(Pattern pattern) {
    if (pattern.flags() != 0) {
      return Set.of();
    }
    Starts s = startsOf(Parser.parse(pattern.pattern(), RE2.PERL));
    if (s == null || s.nullable || s.strings.isEmpty()) {
      return Set.of();
    }
    Set<String> kept = new LinkedHashSet<>();
    for (String a : s.strings) {
      boolean covered = false;
      for (String b : s.strings) {
        covered |= !a.equals(b) && a.startsWith(b);
      }
      if (!covered) {
        kept.add(a);
      }
    }
    return Collections.unmodifiableSet(kept);
  }

  /**
   * How a subtree can begin: one of {@code strings}, or (when {@code nullable}) with nothing at
   * all, so that what follows it begins the match. Null: unknown.
   */
  private record Starts(Set<String> strings, boolean nullable) {
    static final Starts EMPTY = new Starts(Set.of(), true);
  }

  private static Starts startsOf(Regexp re) {
    if (matchesNothingButPlace(re)) {
      return Starts.EMPTY;
    }
    switch (re.op) {
      case LITERAL:
      case CHAR_CLASS:
        {
          Info info = analyse(re);
          return info.exact == null || info.exact.isEmpty() || info.exact.contains("")
              ? null
              : new Starts(info.exact, false);
        }
      case CAPTURE:
        return startsOf(re.subs[0]);
      case QUEST:
      case STAR:
        return nullable(startsOf(re.subs[0]));
      case PLUS:
        return startsOf(re.subs[0]);
      case REPEAT:
        return re.min >= 1 ? startsOf(re.subs[0]) : nullable(startsOf(re.subs[0]));
      case CONCAT:
        return concatStarts(re.subs);
      case ALTERNATE:
        {
          Set<String> strings = new LinkedHashSet<>();
          boolean nullable = false;
          for (Regexp sub : re.subs) {
            Starts s = startsOf(sub);
            if (s == null || strings.size() + s.strings.size() > MAX_STARTS) {
              return null;
            }
            strings.addAll(s.strings);
            nullable |= s.nullable;
          }
          return new Starts(strings, nullable);
        }
      default: // NO_MATCH, ANY_CHAR, ANY_CHAR_NOT_NL and anything newer
        return null;
    }
  }

  /**
   * A concatenation begins with the strings its leading parts spell out whole (as long as they are
   * few: longer strings are rarer, so fewer places to try); where those may be empty, with what
   * follows.
   */
  private static Starts concatStarts(Regexp[] subs) {
    Set<String> whole = Set.of("");
    int i = 0;
    for (; i < subs.length; i++) {
      Info info = analyse(subs[i]);
      if (info.exact == null || whole.size() * info.exact.size() > MAX_STARTS) {
        break;
      }
      Set<String> product = new LinkedHashSet<>();
      for (String a : whole) {
        for (String b : info.exact) {
          product.add(a + b);
        }
      }
      whole = product;
    }
    Set<String> strings = new LinkedHashSet<>(whole);
    boolean empty = strings.remove("");
    if (!empty || i == subs.length) {
      return new Starts(strings, empty);
    }
    for (; i < subs.length; i++) { // the leading parts may match nothing: what follows begins
      Starts s = startsOf(subs[i]);
      if (s == null || strings.size() + s.strings.size() > MAX_STARTS) {
        return null;
      }
      strings.addAll(s.strings);
      if (!s.nullable) {
        return new Starts(strings, false);
      }
    }
    return new Starts(strings, true);
  }

  private static Starts nullable(Starts s) {
    return s == null ? null : new Starts(s.strings, true);
  }

  /**
   * What a subtree tells: {@code exact}, every string it can match (null: too many or unknown), and
   * {@code clauses} it requires besides.
   */
  private record Info(Set<String> exact, List<Set<String>> clauses) {
    static Info any() {
      return new Info(null, List.of());
    }

    static Info exactly(Set<String> strings) {
      return new Info(strings, List.of());
    }

    /** The few most selective clauses this subtree guarantees (none: it requires nothing). */
    List<Set<String>> selective() {
      List<Set<String>> all = new ArrayList<>(clauses);
      if (exact != null) {
        all.add(exact);
      }
      all.removeIf(c -> c.contains(""));
      all.sort(SELECTIVE);
      return all.subList(0, Math.min(PER_ALTERNATIVE, all.size()));
    }
  }

  private static int shortest(Set<String> clause) {
    int n = Integer.MAX_VALUE;
    for (String s : clause) {
      n = Math.min(n, s.length());
    }
    return n;
  }

  /** The empty string, or an assertion about a place (a line's start, a word boundary). */
  private static boolean matchesNothingButPlace(Regexp re) {
    return switch (re.op) {
      case EMPTY_MATCH,
          BEGIN_LINE,
          END_LINE,
          BEGIN_TEXT,
          END_TEXT,
          WORD_BOUNDARY,
          NO_WORD_BOUNDARY ->
          true;
      default -> false;
    };
  }

  private static Info analyse(Regexp re) {
    if (matchesNothingButPlace(re)) {
      return Info.exactly(Set.of(""));
    }
    switch (re.op) {
      case NO_MATCH:
        return Info.exactly(new LinkedHashSet<>());
      case LITERAL:
        if ((re.flags & RE2.FOLD_CASE) != 0) {
          return Info.any();
        }
        return Info.exactly(Set.of(new String(re.runes, 0, re.runes.length)));
      case CHAR_CLASS:
        return charClass(re);
      case CAPTURE:
        return analyse(re.subs[0]);
      case QUEST:
        {
          Info sub = analyse(re.subs[0]);
          if (sub.exact == null) {
            return Info.any();
          }
          Set<String> e = new LinkedHashSet<>(sub.exact);
          e.add("");
          return Info.exactly(e);
        }
      case PLUS:
        return required(analyse(re.subs[0]));
      case REPEAT:
        return re.min >= 1 ? required(analyse(re.subs[0])) : Info.any();
      case CONCAT:
        return concat(re.subs);
      case ALTERNATE:
        return alternate(re.subs);
      default: // STAR, ANY_CHAR, ANY_CHAR_NOT_NL and anything newer
        return Info.any();
    }
  }

  /** At least one repetition: what the subtree requires, without its exact set. */
  private static Info required(Info sub) {
    List<Set<String>> clauses = new ArrayList<>(sub.clauses);
    if (sub.exact != null) {
      clauses.add(sub.exact);
    }
    return new Info(null, clauses);
  }

  private static Info charClass(Regexp re) {
    if ((re.flags & RE2.FOLD_CASE) != 0) {
      return Info.any();
    }
    Set<String> chars = new LinkedHashSet<>();
    for (int i = 0; i + 1 < re.runes.length; i += 2) {
      for (int r = re.runes[i]; r <= re.runes[i + 1]; r++) {
        if (chars.size() == MAX_EXACT) {
          return Info.any();
        }
        chars.add(new String(Character.toChars(r)));
      }
    }
    return Info.exactly(chars);
  }

  private static Info concat(Regexp[] subs) {
    Set<String> exact = Set.of("");
    boolean whole = true; // exact still covers the whole concatenation
    List<Set<String>> clauses = new ArrayList<>();
    for (Regexp sub : subs) {
      Info info = analyse(sub);
      clauses.addAll(info.clauses);
      if (info.exact != null && exact.size() * info.exact.size() <= MAX_EXACT) {
        Set<String> product = new LinkedHashSet<>();
        for (String a : exact) {
          for (String b : info.exact) {
            product.add(a + b);
          }
        }
        exact = product;
        continue;
      }
      whole = false;
      clauses.add(exact); // what came before is required on its own
      exact = info.exact != null ? info.exact : Set.of("");
    }
    if (whole) {
      return new Info(exact, clauses);
    }
    clauses.add(exact);
    return new Info(null, clauses);
  }

  private static Info alternate(Regexp[] subs) {
    List<Info> infos = new ArrayList<>();
    Set<String> union = new LinkedHashSet<>();
    boolean allExact = true;
    for (Regexp sub : subs) {
      Info info = analyse(sub);
      infos.add(info);
      if (info.exact == null) {
        allExact = false;
      } else {
        union.addAll(info.exact);
      }
    }
    if (allExact && union.size() <= MAX_EXACT) {
      return Info.exactly(union);
    }
    // (a1 and a2) or (b1) = (a1 or b1) and (a2 or b1): one clause per choice of a clause from
    // each alternative, each alternative offering its few most selective.
    List<Set<String>> product = new ArrayList<>();
    product.add(new LinkedHashSet<>());
    for (Info info : infos) {
      List<Set<String>> own = info.selective();
      if (own.isEmpty()) {
        return Info.any(); // this alternative requires nothing
      }
      List<Set<String>> next = new ArrayList<>();
      for (Set<String> sofar : product) {
        for (Set<String> c : own) {
          if (next.size() < MAX_PRODUCT) {
            Set<String> either = new LinkedHashSet<>(sofar);
            either.addAll(c);
            next.add(either);
          }
        }
      }
      product = next;
    }
    return new Info(null, product);
  }
}
