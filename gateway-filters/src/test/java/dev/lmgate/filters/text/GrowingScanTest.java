package dev.lmgate.filters.text;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class GrowingScanTest {
  private static final Pattern CARD = Pattern.compile("\\b(?:[0-9][ -]?){12,18}[0-9]\\b");
  private static final Pattern GITHUB = Pattern.compile("\\bgh[pousr]_[A-Za-z0-9]{36,255}\\b");

  /** Luhn over the digits, and not all one digit: what a card check rejects a decoy by. */
  private static boolean luhn(String s) {
    String d = s.replaceAll("[^0-9]", "");
    if (d.chars().distinct().count() == 1) {
      return false;
    }
    int sum = 0;
    for (int i = 0; i < d.length(); i++) {
      int v = d.charAt(d.length() - 1 - i) - '0';
      sum += i % 2 == 1 ? (v * 2 > 9 ? v * 2 - 9 : v * 2) : v;
    }
    return sum % 10 == 0;
  }

  /**
   * Feeds the text cut at {@code cuts}; returns what was taken, and checks nothing was released.
   */
  private static List<String> stream(
      Pattern p, Predicate<String> check, String text, int holdBack, int... cuts) {
    GrowingScan scan = new GrowingScan(p, PrefixAutomaton.of(p));
    List<int[]> taken = new ArrayList<>();
    GrowingScan.Step step =
        m -> {
          if (check.test(m.group())) {
            taken.add(new int[] {m.start(), m.end()});
          }
          return Math.max(m.end(), m.start() + 1);
        };
    List<int[]> whole = new ArrayList<>();
    Matcher w = p.matcher(text);
    for (int at = 0; at <= text.length() && w.find(at); at = Math.max(w.end(), w.start() + 1)) {
      if (check.test(w.group())) {
        whole.add(new int[] {w.start(), w.end()});
      }
    }
    List<Integer> all = new ArrayList<>();
    for (int c : cuts) {
      all.add(c);
    }
    all.add(text.length());
    for (int cut : all) {
      boolean complete = cut == text.length();
      int undecided = scan.advance(text.substring(0, cut), complete, holdBack, step);
      int released = Math.max(undecided, cut - holdBack);
      for (int[] v : whole) {
        if (v[1] - v[0] > holdBack) {
          continue; // outside the promise
        }
        for (int i = v[0]; i < Math.min(v[1], released); i++) {
          int c = i;
          assertThat(taken)
              .as("character %d of %s released at cut %d", i, text.substring(v[0], v[1]), cut)
              .anySatisfy(t -> assertThat(t[0] <= c && c < t[1]).isTrue());
        }
      }
    }
    List<String> out = new ArrayList<>();
    taken.forEach(t -> out.add(text.substring(t[0], t[1])));
    return out;
  }

  @Test
  void aCardAfterADecoyLongerThanHoldBackIsStillFound() {
    String text = "0-0-0-0-0-0-0-0-0-0-0-0-0-0-0-0-0-0-0 4111 1111 1111 1111 ";
    assertThat(stream(CARD, GrowingScanTest::luhn, text, 24, 25)).contains("4111 1111 1111 1111");
    for (int cut = 1; cut < text.length(); cut++) {
      assertThat(stream(CARD, GrowingScanTest::luhn, text, 24, cut))
          .as("cut at %d", cut)
          .contains("4111 1111 1111 1111");
    }
  }

  @Test
  void cardsAmongLongRunsOfDigitsAreNeverReleasedWhereverTheStreamIsCut() {
    java.util.Random random = new java.util.Random(24);
    String[] pieces = {"4111 1111 1111 1111", "0", "00", "7", "-", " ", "5", "x", "12"};
    for (int round = 0; round < 3_000; round++) {
      StringBuilder b = new StringBuilder();
      int n = 3 + random.nextInt(30);
      for (int i = 0; i < n; i++) {
        b.append(pieces[random.nextInt(pieces.length)]);
      }
      String text = b.toString();
      int cut1 = 1 + random.nextInt(text.length());
      int cut2 = Math.min(text.length(), cut1 + 1 + random.nextInt(12));
      stream(CARD, GrowingScanTest::luhn, text, 24, cut1, cut2); // asserts nothing is released
    }
  }

  @Test
  void aMatchExactlyHoldBackLongDecidedOnlyByTheNextCharacterIsCaught() {
    Pattern p = Pattern.compile("#[a-z]{10}\\B");
    String text = "x #abcdefghijk";
    // the match "#abcdefghij" is 11 characters; whether \B holds is known one character later
    assertThat(stream(p, v -> true, text, 11, text.length() - 1)).containsExactly("#abcdefghij");
  }

  @Test
  void aMatchThatIsUndoneMovesTheScanOnSoEachCallCostsOnlyWhatIsNew() {
    Pattern p = GITHUB;
    GrowingScan scan = new GrowingScan(p, PrefixAutomaton.of(p));
    String token = "ghp_" + "a1B2c3D4e5".repeat(4);
    StringBuilder text = new StringBuilder(token);
    int holdBack = 64;
    for (int round = 0; round < 200; round++) {
      // each event undoes the token before it (a "_" follows, so no \b) and ends in a new one,
      // which reaches the end: pending
      text.append("_ and some ordinary words after it. ").append(token);
      scan.advance(text.toString(), false, holdBack, m -> m.end());
      assertThat(scan.position())
          .as("round %d", round)
          .isGreaterThanOrEqualTo(text.length() - holdBack);
    }
  }
}
