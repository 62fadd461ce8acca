package dev.lmgate.filters.sensitive;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SensitiveDataTest {
  @Test
  void masksEmailsCredentialsCardsIbansAndSsns() {
    assertThat(SensitiveData.redact("write to jane.doe+x@mail.example.co.uk today"))
        .isEqualTo("write to [EMAIL] today");
    assertThat(SensitiveData.redact("key=\"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\""))
        .isEqualTo("key=\"[SECRET]\"");
    assertThat(SensitiveData.redact("aws AKIAIOSFODNN7EXAMPLE ok")).isEqualTo("aws [SECRET] ok");
    assertThat(SensitiveData.redact("Authorization: Bearer abcdefghijklmnopqrstuvwxyz012345"))
        .isEqualTo("Authorization: Bearer [SECRET]");
    assertThat(
            SensitiveData.redact(
                "token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLWJ5dGVz end"))
        .isEqualTo("token [SECRET] end");
    assertThat(SensitiveData.redact("card 4111 1111 1111 1111 exp 12/29"))
        .isEqualTo("card [CARD] exp 12/29");
    assertThat(SensitiveData.redact("IBAN GB82 WEST 1234 5698 7654 32.")).isEqualTo("IBAN [IBAN].");
    assertThat(SensitiveData.redact("ssn 219-09-9999")).isEqualTo("ssn [SSN]");
    assertThat(SensitiveData.redact("NI number AB 12 34 56 C, thanks"))
        .isEqualTo("NI number [ID], thanks");
    assertThat(SensitiveData.redact("my SIN is 046-454-286")).isEqualTo("my SIN is [ID]");
    assertThat(SensitiveData.redact("my SIN is 046-454-287"))
        .as("fails Luhn")
        .isEqualTo("my SIN is 046-454-287");
    assertThat(
            SensitiveData.redact(
                "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY----- after"))
        .isEqualTo("[SECRET] after");
  }

  @Test
  void leavesNumbersThatFailTheirChecksumsAlone() {
    String text = "order 4111 1111 1111 1112, ref GB82 WEST 1234 5698 7654 33, ssn 000-12-3456";
    assertThat(SensitiveData.redact(text)).isEqualTo(text);
    assertThat(SensitiveData.redact("the year 2026 and 1234567890"))
        .isEqualTo("the year 2026 and 1234567890");
  }

  @Test
  void findsNationalPhoneNumbersByTheirCountrysNumberingPlan() {
    masked(
        "[PHONE]",
        "020 7946 0958", // London
        "(02) 9876 5432", // Sydney
        "415 555 2671", // San Francisco, spaces only
        "03-1234-5678", // Tokyo
        "91 234 56 78", // Madrid
        "416 979 1234", // Toronto: valid under the North American plan
        "011 44 20 7946 0958"); // London, dialled from the US
    // digit groups no numbering plan accepts, and the usual look-alikes, stay
    untouched(
        "build 2024 0517 1230 passed",
        "version 10.2.3 4567 notes",
        "invoice 123 456 789 012 345 678",
        "at 12:30 45 678 901 people",
        "pi is 3.14159 26535 89793",
        "revenue 696 974 400 EUR", // thousands
        "scores: 66 11 68 13 29", // a list of two-digit numbers
        "dump 71 67 69 12 49 0a 1b", // no number cut out of a longer run
        "zip 12345-6789");
  }

  @Test
  void findsIpv6AddressesByParsingThemAndLeavesScopesTimesAndVersionsAlone() {
    masked(
        "[IP]",
        "2001:db8::ff00:42:8329",
        "fe80::1",
        "::ffff:192.0.2.1",
        "2001:0db8:85a3:0000:0000:8a2e:0370:7334");
    untouched(
        "use std::vector and add::bad here",
        "at 12:30:45 sharp",
        "ratio 1:2:3 of it",
        "release v1.2.3.4 notes");
  }

  /** Each value, in a sentence, is masked whole as {@code mask}. */
  private static void masked(String mask, String... values) {
    for (String value : values) {
      assertThat(SensitiveData.redact("say " + value + " today"))
          .as(value)
          .isEqualTo("say " + mask + " today");
    }
  }

  private static void untouched(String... texts) {
    for (String text : texts) {
      assertThat(SensitiveData.redact(text)).as(text).isEqualTo(text);
    }
  }

  @Test
  void aTextOfNothingButDigitGroupsIsBoundedAndLeaksNoNumber() {
    // more new candidates than one scan checks: the ones past the bound are masked unchecked
    StringBuilder text = new StringBuilder();
    java.util.Random random = new java.util.Random(7);
    for (int i = 0; i < 2 * PhoneNumbers.CHECKS_PER_SCAN; i++) {
      text.append(
          String.format(
              "0%02d %04d %04d x ",
              10 + random.nextInt(90), random.nextInt(10000), random.nextInt(10000)));
    }
    text.append("call 020 7946 0958 today");
    String redacted = SensitiveData.redact(text.toString());
    assertThat(redacted).doesNotContain("7946").endsWith("call [PHONE] today");
  }

  @Test
  void findsAwsSecretsUnderCamelCaseAndSnakeCaseNames() {
    String secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    for (String name :
        List.of(
            "aws_secret_access_key",
            "AWS_SECRET_ACCESS_KEY",
            "myAwsSecretKey",
            "s3SecretAccessKey",
            "AwsSecretAccessKey",
            "secretAccessKey",
            "aws-secret-access-key",
            "AWS Secret Access Key",
            "aws secret key")) {
      assertThat(SensitiveData.redact("cfg " + name + "=\"" + secret + "\" end"))
          .as(name)
          .isEqualTo("cfg " + name + "=\"[SECRET]\" end");
    }
    assertThat(SensitiveData.redact("the secretary=" + secret))
        .as("a word that merely contains 'secret' names no key")
        .contains(secret);
  }

  /** Values whose detectors reject some candidates by a check, or whose gates read letters. */
  private static final List<String> PIECES =
      List.of(
          "23456789 12345-6789555123-5671111",
          "4111 1111 1111 1111",
          "4111 1111 1111 1112",
          "5018-0000-0009",
          "maestro",
          "GB82 WEST 1234 5698 7654 32",
          "DE89370400440532013000",
          "DE89 3704",
          "AKIAIOSFODNN7EXAMPLE",
          "myAwsSecretKey=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
          "jane.doe@example.org",
          "219-09-9999",
          "046-454-286",
          "AB 12 34 56 C",
          "+1 415 555 0132",
          "192.168.1.20",
          "Bearer abcdefghijklmnopqrstuvwxyz012345",
          "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLWJ5dGVz",
          "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
          "the",
          "key",
          "token",
          "12",
          "2026",
          "-",
          "=");

  private static final List<String> GLUE = List.of(" ", " ", "", "\n", ", ", "-", "/");

  /**
   * The stream promise at the level of the detectors: however a text is cut into growing pieces,
   * every character of every value the whole text holds is either reported or still undecided
   * before it could be released, and nothing is reported that the whole text does not hold.
   */
  @Test
  void aGrowingScanHoldsEveryValueTheWholeTextHoldsUntilItIsReported() {
    assertGrowingScanHolds(256, true);
  }

  /**
   * With the smallest hold-back, values longer than it are taken as they stand: those are outside
   * the promise, but the values that fit, after them, are still never released.
   */
  @Test
  void withTheSmallestHoldBackEveryValueThatFitsIsHeldUntilReported() {
    assertGrowingScanHolds(24, false);
  }

  private static void assertGrowingScanHolds(int holdBack, boolean nothingElse) {
    Random random = new Random(18);
    int checked = 0;
    for (int round = 0; round < 3_000; round++) {
      StringBuilder b = new StringBuilder();
      int pieces = 1 + random.nextInt(8);
      for (int i = 0; i < pieces; i++) {
        b.append(PIECES.get(random.nextInt(PIECES.size())));
        b.append(GLUE.get(random.nextInt(GLUE.size())));
      }
      String text = b.toString();
      List<SensitiveData.Finding> whole = SensitiveData.find(text);
      SensitiveData.Growing growing =
          new SensitiveData.Growing(k -> true, holdBack, PhoneNumbers.Plan.DEFAULT);
      boolean[] reported = new boolean[text.length()];
      List<SensitiveData.Finding> seen = new ArrayList<>();
      int cut = 0;
      while (cut < text.length()) {
        cut = Math.min(text.length(), cut + 1 + random.nextInt(random.nextBoolean() ? 3 : 40));
        boolean complete = cut == text.length();
        String sofar = text.substring(0, cut);
        for (SensitiveData.Finding f : growing.advance(sofar, complete)) {
          seen.add(f);
          for (int i = f.start(); i < f.end(); i++) {
            reported[i] = true;
          }
        }
        int undecided = complete ? cut : Math.max(cut - holdBack, growing.undecidedFrom());
        for (SensitiveData.Finding f : whole) {
          if (f.end() - f.start() > holdBack) {
            continue; // outside the promise
          }
          for (int i = f.start(); i < Math.min(f.end(), undecided); i++) {
            assertThat(reported[i])
                .as("%s at %d of '%s' released when cut at %d", f.kind(), i, text, cut)
                .isTrue();
          }
        }
      }
      for (SensitiveData.Finding f : nothingElse ? seen : List.<SensitiveData.Finding>of()) {
        assertThat(whole)
            .as("'%s' reported in '%s'", text.substring(f.start(), f.end()), text)
            .anySatisfy(w -> assertThat(w.start() < f.end() && f.start() < w.end()).isTrue());
      }
      checked += whole.size();
    }
    assertThat(checked).as("values planted and found").isGreaterThan(3_000);
  }

  @Test
  void aCardFoundOnlyByTheWholeTextsAlignmentIsFoundWhereverTheStreamIsCut() {
    String text = "ref 23456789 12345-6789555123-5671111 ok";
    List<SensitiveData.Finding> whole = SensitiveData.find(text);
    assertThat(whole).extracting(SensitiveData.Finding::kind).contains("CREDIT_CARD");
    for (int cut = 1; cut < text.length(); cut++) {
      SensitiveData.Growing growing =
          new SensitiveData.Growing(k -> true, 256, PhoneNumbers.Plan.DEFAULT);
      List<SensitiveData.Finding> first = growing.advance(text.substring(0, cut), false);
      int undecided = growing.undecidedFrom();
      for (SensitiveData.Finding f : whole) {
        if (!first.contains(f)) {
          assertThat(undecided).as("held from cut %d", cut).isLessThanOrEqualTo(f.start());
        }
      }
      List<SensitiveData.Finding> found = new ArrayList<>(first);
      found.addAll(growing.advance(text, true));
      assertThat(found).as("cut at %d", cut).containsAll(whole);
    }
  }

  /**
   * Detectors led by a keyword ("phone:", "SIN") search only around their keywords; what they find
   * must be exactly what a search of the whole text finds, wherever the keyword, the number and the
   * surrounding text fall (disguised case, runs of spaces, line breaks, digits right after).
   */
  @Test
  void searchingAroundKeywordsFindsExactlyWhatTheWholeTextHolds() {
    String[] keywords = {
      "phone",
      "Tel",
      "TELEPHONE",
      "mobile",
      "ceLL",
      "call me on",
      "reach me at",
      "text me at",
      "messages to",
      "SMS to",
      "whatsapp",
      "fax",
      "SIN",
      "sin",
      "social insurance",
      "\u017fin",
      "basin",
      "hotel",
      "cellar",
      "using",
      "",
      "v",
      "IP ",
      "card ",
      "SSN ",
      "x",
      "(",
      "+"
    };
    String[] between = {":", ": ", ".", " ", "  \t ", ":\n", " is ", " number was ", "\n\n", ""};
    String[] numbers = {
      "046 454 286",
      "046-454-286",
      "+44 20 7946 0958",
      "(02) 9876 5432",
      "415 555 2671",
      "0451234567",
      "123 456 7891234",
      "12",
      "046 454 2860"
    };
    Random r = new Random(20261207);
    for (int i = 0; i < 3000; i++) {
      StringBuilder t = new StringBuilder();
      int parts = 1 + r.nextInt(4);
      for (int p = 0; p < parts; p++) {
        t.append(" ".repeat(r.nextInt(3)))
            .append(r.nextBoolean() ? "Please note " : "")
            .append(keywords[r.nextInt(keywords.length)])
            .append(between[r.nextInt(between.length)])
            .append(" ".repeat(r.nextInt(40) < 2 ? 30 + r.nextInt(10) : 0))
            .append(numbers[r.nextInt(numbers.length)])
            .append(r.nextBoolean() ? "." : r.nextBoolean() ? "7" : " and more");
      }
      String text = t.toString();
      List<SensitiveData.Finding> around = SensitiveData.find(text);
      SensitiveData.narrowSearch = false;
      try {
        assertThat(around).as(text).isEqualTo(SensitiveData.find(text));
      } finally {
        SensitiveData.narrowSearch = true;
      }
    }
  }

  @Test
  void onEveryDevTextTheNarrowSearchFindsWhatTheWholeSearchFinds() throws Exception {
    java.nio.file.Path p = java.nio.file.Path.of("").toAbsolutePath();
    while (p != null && !java.nio.file.Files.isDirectory(p.resolve("shared/corpus/dev"))) {
      p = p.getParent();
    }
    assertThat(p).as("../shared/corpus/dev beside the checkout").isNotNull();
    com.fasterxml.jackson.databind.ObjectMapper json =
        new com.fasterxml.jackson.databind.ObjectMapper();
    int texts = 0;
    for (String file : List.of("prompts.jsonl", "pii.jsonl")) {
      for (String line : java.nio.file.Files.readAllLines(p.resolve("shared/corpus/dev/" + file))) {
        String text = json.readTree(line).path("text").asText();
        List<SensitiveData.Finding> narrow = SensitiveData.find(text);
        SensitiveData.narrowSearch = false;
        try {
          assertThat(narrow).as(text).isEqualTo(SensitiveData.find(text));
        } finally {
          SensitiveData.narrowSearch = true;
        }
        texts++;
      }
    }
    assertThat(texts).isGreaterThan(3000);
  }
}
