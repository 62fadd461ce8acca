package dev.lmgate.filters.text;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PrefixAutomatonTest {
  private static final Pattern AWS = Pattern.compile("\\b(?:AKIA|ASIA)[0-9A-Z]{16}\\b");
  private static final Pattern PEM =
      Pattern.compile(
          "-----BEGIN [A-Z ]*PRIVATE KEY-----[\\s\\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)");

  private static int live(Pattern p, String text) {
    return PrefixAutomaton.of(p).liveFrom(text, 0);
  }

  @Test
  void ordinaryProseHoldsNothingOrOnlyTheWordThatCouldStillBecomeAKey() {
    assertThat(live(AWS, "the key is rotated weekly ")).isEqualTo(26);
    assertThat(live(AWS, "An apple")).isEqualTo(8); // "An" can no longer become AKIA/ASIA
    assertThat(live(AWS, "the key is AKIA12")).isEqualTo(11);
    assertThat(live(AWS, "word A")).isEqualTo(5);
    assertThat(live(AWS, "xAKIA")).isEqualTo(5); // no word boundary before it: never a key
  }

  @Test
  void aMatchThatEndedIsDecidedButOneEndingAtTheEndStaysOpen() {
    String key = "AKIAABCDEFGHIJKLMNOP";
    assertThat(live(AWS, "id " + key + " and")).isEqualTo(3 + key.length() + 4);
    assertThat(live(AWS, "id " + key)).isEqualTo(3); // \b unknown until the next character
    assertThat(live(AWS, "id " + key + "Q")).isEqualTo(3 + key.length() + 1); // 21 chars: none
  }

  @Test
  void caseFoldingAndOpenEndedMatchesKeepTheirStart() {
    Pattern p = Pattern.compile("(?i)secret_?key");
    assertThat(live(p, "my SECR")).isEqualTo(3);
    assertThat(live(p, "my SECRET_KEY is")).isEqualTo(15); // "s" could begin another
    assertThat(live(p, "my SECRET_KEY in")).isEqualTo(16);
    String header = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA";
    assertThat(live(PEM, "here: " + header)).isEqualTo(6);
    assertThat(live(PEM, "a - b -- c --")).isEqualTo(11);
  }

  @Test
  void theTextBeforeFromIsContextOnly() {
    PrefixAutomaton a = PrefixAutomaton.of(AWS);
    assertThat(a.liveFrom("AKIA1 then", 5)).isEqualTo(10);
    assertThat(a.liveFrom("xAKIA1", 1)).isEqualTo(6); // 'x' still counts for \b
    assertThat(a.liveFrom("héllo A", 0)).isEqualTo(6);
  }

  /**
   * The guarantee the stream guard builds on: for every match of the whole text and every split
   * point inside it (or at its end), the prefix up to the split keeps the match's start live.
   */
  @Test
  void noMatchOfTheWholeTextStartsBeforeWhatAPrefixCallsDecided() {
    List<Pattern> patterns =
        List.of(
            AWS,
            PEM,
            Pattern.compile("(?i)\\bbearer\\s+[A-Za-z0-9._~+/-]{20,}=*"),
            Pattern.compile("\\bsk-(?:proj-)?[A-Za-z0-9_-]{16,}"),
            Pattern.compile("(?:^|[^0-9])([0-9]{3}-[0-9]{2}-[0-9]{4})(?:[^0-9]|$)"),
            Pattern.compile("lmgate-canary-[0-9a-f]{16}"),
            Pattern.compile("(?i)\\b(?:foo|foobar|bar)\\b"));
    String[] pieces = {
      " ",
      "a",
      "AKIA",
      "Z9",
      "Bearer ",
      "sk-",
      "proj-",
      "-----BEGIN ",
      "RSA ",
      "PRIVATE KEY-----",
      "\n",
      "123-45-6789",
      "lmgate-",
      "canary-",
      "0123456789abcdef",
      "foo",
      "bar",
      "é",
      "-----END",
      "ABCDEFGHIJKLMNOP",
      "xyz",
      "0"
    };
    Random random = new Random(18);
    for (int round = 0; round < 3000; round++) {
      StringBuilder sb = new StringBuilder();
      int n = 1 + random.nextInt(12);
      for (int i = 0; i < n; i++) {
        sb.append(pieces[random.nextInt(pieces.length)]);
      }
      String text = sb.toString();
      for (Pattern p : patterns) {
        PrefixAutomaton a = PrefixAutomaton.of(p);
        Matcher m = p.matcher(text);
        int from = 0;
        while (from <= text.length() && m.find(from)) {
          int s = m.start();
          int e = m.end();
          for (int k = s + 1; k <= e && e > s; k++) {
            if (k == text.length()) {
              continue; // the whole text: the caller sees the match itself
            }
            int live = a.liveFrom(text.substring(0, k), 0);
            assertThat(live).as("%s in %s split at %d", p, text, k).isLessThanOrEqualTo(s);
          }
          from = e > s ? e : e + 1;
        }
      }
    }
  }
}
