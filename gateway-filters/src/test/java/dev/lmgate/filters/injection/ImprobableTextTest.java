package dev.lmgate.filters.injection;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The model of ordinary text that finds optimized suffixes, shipped and trained. */
class ImprobableTextTest {
  static final ImprobableText MODEL = ImprobableText.builtIn();

  static final String REQUEST =
      "Write a short guide on how to keep a sourdough starter alive while travelling for two weeks";

  /**
   * Token salad of the kind a search over tokens produces: word pieces, brackets and markup glued
   * together at random (seeded; made here, not taken from any corpus).
   */
  static String optimizedSuffix(long seed) {
    String[] pieces = {
      "describ",
      "Sure",
      "](",
      "!!",
      "Lemma",
      "({\\",
      "manual",
      "oppos",
      "itely",
      "+=",
      "Tutorial",
      "**",
      "revert",
      "Two",
      "`}",
      "Here",
      "inst",
      "ructions",
      "]{",
      "Now",
      "--",
      "similar",
      "ly",
      ";)",
      "kal",
      "ograf",
      "Schw",
      "erp",
      "unkt",
      "{%",
      "ayer",
      "zza"
    };
    Random r = new Random(seed);
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < 24; i++) {
      int glued = 1 + r.nextInt(3);
      for (int j = 0; j < glued; j++) {
        s.append(pieces[r.nextInt(pieces.length)]);
      }
      s.append(' ');
    }
    return s.toString().strip();
  }

  @Test
  void anOptimizedSuffixIsImprobableAndOrdinaryEndingsAreNot() {
    for (long seed = 1; seed <= 20; seed++) {
      String attack = REQUEST + ". " + optimizedSuffix(seed);
      assertThat(MODEL.improbable(attack)).as("seed %d: %s", seed, attack).isTrue();
    }
    List<String> ordinary =
        List.of(
            REQUEST + ", and explain why feeding it twice a day matters in a warm kitchen.",
            "Fix this: for (int i = 0; i < items.size(); i++) { total += items.get(i).price(); }"
                + " return total; // the sum of every item's price in the basket, in cents",
            "Translate into French: the meeting is moved to Thursday afternoon because the"
                + " projector in the large room is broken and nobody can fix it before then.",
            "Variables: ${projectName} - the project's name, ${framework:React} - the preferred"
                + " frontend framework, {{audience}} - who the documentation is for, [city] - where",
            "MAKE SURE THE REPORT IS READY BY FRIDAY AND THAT EVERY TABLE HAS ITS SOURCE NAMED"
                + " CLEARLY UNDER IT, AS THE BOARD ASKED AT THE LAST MEETING OF THE YEAR.",
            "Here is my key, do not share it:"
                + " c2stcHJvai1aUTRuVDh3WHYyTG1SNnlCMWNLOXBIM3NKN2RGNWdBMGVVMmlPNHRZNnJXOHFFMXpY"
                + "M2NWNWJON21NOWxL",
            "Объясните, пожалуйста, как работает фотосинтез у растений и почему листья зелёные,"
                + " простыми словами для школьника.");
    for (String text : ordinary) {
      assertThat(MODEL.score(text)).as(text).isLessThan(MODEL.threshold());
    }
  }

  @Test
  void aSuffixIsFoundWhateverSpaceSeparatesItsTokensButOnlyOnTheLastLine() {
    for (long seed = 1; seed <= 20; seed++) {
      String suffix = optimizedSuffix(seed);
      for (char space : new char[] {'\u000b', '\u00a0', '\f', '\t', '\u2003'}) {
        String text = REQUEST + " " + suffix.replace(' ', space);
        assertThat(MODEL.improbable(text)).as("seed %d, U+%04X", seed, (int) space).isTrue();
      }
    }
    // the known price of reading the last line only (docs/guard-efficacy.md): a line after the
    // suffix hides it, because the lines of code or a table before a short question are improbable
    assertThat(MODEL.improbable(REQUEST + " " + optimizedSuffix(1) + "\nOK?")).isFalse();
    assertThat(MODEL.score("short")).isZero();
  }

  @Test
  void listsOfShortSymbolsAreNotWordSalad() {
    List<String> lists =
        List.of(
            "What opening is this? 1. e4 e5 2. Nf3 Nc6 3. Bb5 a6 4. Ba4 Nf6 5. O-O Be7 6. Re1 b5 7."
                + " Bb3 d6 8. c3 O-O 9. h3 Nb8 10. d4 Nbd7",
            "Suggest a strumming pattern for: Am F C G Am F C G Dm Am E7 Am Dm G C F Bdim E7 Am Am F"
                + " C G",
            "What does this packet contain? 79 42 bd f2 21 06 f0 84 77 62 f0 f3 cb 4d 76 4d c7 07 20"
                + " 51 15 9a 0f 89 f2 c6 da ca e3 44 bb 31 12 45 fd 6f 84 df 9a d7",
            "Find the open reading frame in: GAC GGA ATT AGA TCA GTT AAA TGG CAG AAA ACT GGC AGG GCT"
                + " TTT AGT CGT GGG ATG ATC AGT GGG TAA AGG TGG CGC",
            "Translate this morse: .... . .-.. .-.. --- / .-- --- .-. .-.. -.. / .. / .- -- / ...."
                + " . .-. . / - --- -.. .- -.--",
            "Answer key for the quiz: a b c d b c a d d a b c c d a b a c d b b a c d a d c b d c a"
                + " b c a d b a c b d");
    for (String text : lists) {
      assertThat(MODEL.improbable(text)).as(text).isFalse();
    }
  }

  @Test
  void aCorpusTooSmallForItsThresholdIsRefused() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> ImprobableText.train(List.of("one benign prompt")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least " + ImprobableText.MIN_TRAINING);
  }

  @Test
  void trainingIsDeterministicItsThresholdLetsFewHeldOutTextsThroughAndItSurvivesAWrite()
      throws Exception {
    List<String> texts = new ArrayList<>();
    Random r = new Random(7);
    String[] words = {
      "the", "garden", "needs", "water", "every", "morning", "before", "sun", "rises", "and",
      "our", "tomatoes", "grow", "tall", "when", "soil", "stays", "moist", "under", "mulch"
    };
    for (int i = 0; i < 2000; i++) {
      StringBuilder s = new StringBuilder();
      for (int w = 0; w < 30; w++) {
        s.append(words[r.nextInt(words.length)]).append(' ');
      }
      texts.add(s.toString().strip() + ".");
    }
    ImprobableText a = ImprobableText.train(texts);
    ImprobableText b = ImprobableText.train(texts);
    ByteArrayOutputStream ba = new ByteArrayOutputStream();
    ByteArrayOutputStream bb = new ByteArrayOutputStream();
    a.write(ba);
    b.write(bb);
    assertThat(ba.toByteArray()).isEqualTo(bb.toByteArray());
    ImprobableText read = ImprobableText.read(new ByteArrayInputStream(ba.toByteArray()));
    assertThat(read.threshold()).isEqualTo(a.threshold());
    String probe = "the garden needs water " + optimizedSuffix(5);
    assertThat(read.score(probe)).isEqualTo(a.score(probe));
    assertThat(a.improbable(probe)).isTrue();
    long flagged = texts.stream().filter(a::improbable).count();
    assertThat(flagged)
        .as("trained on them, the texts score lower than held out: at most the target's share")
        .isLessThanOrEqualTo((long) (texts.size() * ImprobableText.TARGET_FPR));
  }
}
