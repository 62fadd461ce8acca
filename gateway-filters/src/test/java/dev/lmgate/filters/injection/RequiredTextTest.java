package dev.lmgate.filters.injection;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.re2j.Pattern;
import com.google.re2j.RequiredText;
import dev.lmgate.filters.text.StartPoints;
import dev.lmgate.filters.text.TextNormalizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The text a rule's pattern requires lets the detector skip the pattern where that text is missing;
 * it must never skip a text the pattern matches. Checked on every rule over every view of every
 * prompt in ../shared/corpus (dev and train), and on patterns whose requirements are known.
 */
class RequiredTextTest {

  @Test
  void requirementsOfKnownPatterns() {
    assertThat(RequiredText.of(Pattern.compile("\\bignore (?:all |the )?previous instructions\\b")))
        .as("a few alternatives: each whole string")
        .containsExactly(
            Set.of(
                "ignore all previous instructions",
                "ignore the previous instructions",
                "ignore previous instructions"));
    assertThat(RequiredText.of(Pattern.compile("(?:send|post)\\b.{0,40}\\bpassword")))
        .as("around a gap: both sides")
        .containsExactly(Set.of("password"), Set.of("send", "post"));
    assertThat(RequiredText.of(Pattern.compile("x(?:[a-z]+ ){0,2}(?:code|caps)|yes")))
        .as("alternatives of different shapes: one string of either")
        .containsExactly(Set.of("code", "caps", "yes"), Set.of("x", "yes"));
    assertThat(RequiredText.of(Pattern.compile("a|b.*")))
        .as("what a .* follows is still required")
        .containsExactly(Set.of("a", "b"));
    assertThat(RequiredText.of(Pattern.compile("a|.*b|c*")))
        .as("an alternative that requires nothing: nothing is required")
        .isEmpty();
    assertThat(RequiredText.of(Pattern.compile("(?i)ignore previous")))
        .as("case folding is not analysed")
        .isEmpty();
    assertThat(RequiredText.of(Pattern.compile("x*"))).isEmpty();
    assertThat(RequiredText.of(Pattern.compile("ignore previous", Pattern.CASE_INSENSITIVE)))
        .as("a pattern compiled with flags is not analysed")
        .isEmpty();
    assertThat(RequiredText.of(Pattern.compile("reveal (?i:the) prompt")))
        .as("a case-folded group requires nothing; the rest still does")
        .containsExactlyInAnyOrder(Set.of(" prompt"), Set.of("reveal "));
    assertThat(RequiredText.of(Pattern.compile("[bc]at|[^a-z]+dog")))
        .as("small classes are spelled out; a negated class is too wide")
        .containsExactly(Set.of("bat", "cat", "dog"));
    assertThat(RequiredText.of(Pattern.compile("a\\bb")))
        .as("an assertion that can never hold between two letters: nothing is assumed about it")
        .containsExactly(Set.of("ab"));
  }

  @Test
  void startsOfKnownPatterns() {
    assertThat(RequiredText.starts(Pattern.compile("\\b(?:here is|here's|read) (?:the )?email")))
        .as("an assertion first, then few enough alternatives to spell out whole")
        .containsExactlyInAnyOrder(
            "here is the email",
            "here is email",
            "here's the email",
            "here's email",
            "read the email",
            "read email");
    assertThat(RequiredText.starts(Pattern.compile("(?:please )?ignore|disregard")))
        .as("an optional part: what follows it may begin the match too")
        .containsExactlyInAnyOrder("please ignore", "ignore", "disregard");
    assertThat(RequiredText.starts(Pattern.compile("(?:a|b)?[^x]+")))
        .as("an optional part before a wide class: a match may begin anywhere")
        .isEmpty();
    assertThat(RequiredText.starts(Pattern.compile("[bc]at|b.*")))
        .as("a string that another begins with adds no place to try")
        .containsExactlyInAnyOrder("cat", "b");
    assertThat(RequiredText.starts(Pattern.compile("a|.*b")))
        .as("a match may begin anywhere")
        .isEmpty();
    assertThat(RequiredText.starts(Pattern.compile("(?:x)?"))).as("a match may be empty").isEmpty();
    assertThat(RequiredText.starts(Pattern.compile("(?i)ignore"))).as("case folding").isEmpty();
    assertThat(RequiredText.starts(Pattern.compile("[^a]bc"))).as("a wide class").isEmpty();
    assertThat(RequiredText.starts(Pattern.compile("(?i)[a-c]x|ab")))
        .as("a folded class")
        .isEmpty();
    assertThat(RequiredText.starts(Pattern.compile("ab(?i:c)")))
        .as("folded after a literal start: the literal still begins every match")
        .containsExactly("ab");
    assertThat(RequiredText.starts(Pattern.compile("(?:a|)b")))
        .as("a branch that may be empty")
        .containsExactlyInAnyOrder("ab", "b");
    assertThat(RequiredText.starts(Pattern.compile("^x{0,2}y$")))
        .as("anchors and a bounded optional repeat")
        .containsExactlyInAnyOrder("x", "y");
  }

  @Test
  void startPointsFindWhatAWholeSearchFinds() throws IOException {
    List<InjectionRules.Rule> rules = new ArrayList<>(InjectionRules.ALL);
    rules.add(InjectionRules.FRAME);
    assertThat(rules.stream().filter(r -> r.starts() != null).count())
        .as("rules tried only where a match can begin")
        .isGreaterThan(rules.size() / 3);
    long decided = 0;
    long matched = 0;
    for (String text : corpus()) {
      for (String view : TextNormalizer.normalize(text).views()) {
        for (InjectionRules.Rule r : rules) {
          if (r.starts() == null || !r.mayMatch(view)) {
            continue;
          }
          StartPoints.Found found =
              r.starts()
                  .find(view, 0, view.length(), dev.lmgate.filters.budget.ScanBudget.UNLIMITED);
          if (found == StartPoints.Found.TOO_MANY) {
            continue;
          }
          decided++;
          boolean whole = r.pattern().matcher(view).find();
          matched += whole ? 1 : 0;
          assertThat(found == StartPoints.Found.YES).as("%s on: %s", r.id(), view).isEqualTo(whole);
          // a region that ends early: a match must fit in it, start string and all
          int end = view.length() * 2 / 3;
          StartPoints.Found untilEnd =
              r.starts().find(view, 0, end, dev.lmgate.filters.budget.ScanBudget.UNLIMITED);
          if (untilEnd != StartPoints.Found.TOO_MANY) {
            assertThat(untilEnd == StartPoints.Found.YES)
                .as("%s until %d: %s", r.id(), end, view)
                .isEqualTo(r.pattern().matcher(view.substring(0, end)).find());
          }
          // a region that begins mid-text reads the character before it, as the whole search does
          int cut = view.length() / 3;
          StartPoints.Found fromCut =
              r.starts()
                  .find(view, cut, view.length(), dev.lmgate.filters.budget.ScanBudget.UNLIMITED);
          if (fromCut != StartPoints.Found.TOO_MANY) {
            assertThat(fromCut == StartPoints.Found.YES)
                .as("%s from %d on: %s", r.id(), cut, view)
                .isEqualTo(r.pattern().matcher(view).find(cut));
          }
        }
      }
    }
    assertThat(matched)
        .as("of %d texts decided by start points, some match", decided)
        .isGreaterThan(1000);
  }

  @Test
  void aRuleIsNeverSkippedWhereItsPatternMatches() throws IOException {
    List<InjectionRules.Rule> rules = new ArrayList<>(InjectionRules.ALL);
    rules.add(InjectionRules.FRAME);
    assertThat(rules).allMatch(r -> !r.required().isEmpty(), "every built-in rule requires text");
    java.util.Map<String, Long> matchedByRule = new java.util.TreeMap<>();
    long triggered = 0; // a trigger is present: without the requirements the pattern would run
    long skipped = 0; // ...and the requirements rule the search out
    for (String text : corpus()) {
      for (String view : TextNormalizer.normalize(text).views()) {
        for (InjectionRules.Rule r : rules) {
          boolean may = r.mayMatch(view);
          if (r.pattern().matcher(view).find()) {
            matchedByRule.merge(r.id(), 1L, Long::sum);
            assertThat(may).as("%s skipped where it matches: %s", r.id(), view).isTrue();
          } else if (r.triggers().stream().anyMatch(view::contains)) {
            triggered++;
            skipped += may ? 0 : 1;
          }
        }
      }
    }
    // Rules the corpus never matches would pass vacuously: most must match somewhere.
    assertThat(matchedByRule).as("rules that match some corpus view").hasSizeGreaterThan(25);
    assertThat(skipped)
        .as("of %d non-matching texts with a trigger, the requirements rule out most", triggered)
        .isGreaterThan(triggered / 2);
  }

  private static List<String> corpus() throws IOException {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("shared/corpus/dev"))) {
      p = p.getParent();
    }
    assertThat(p).as("../shared/corpus beside the checkout").isNotNull();
    ObjectMapper json = new ObjectMapper();
    List<String> texts = new ArrayList<>();
    for (Path f :
        Stream.of("dev/prompts.jsonl", "train/prompts.jsonl")
            .map(p.resolve("shared/corpus")::resolve)
            .toList()) {
      for (String line : Files.readAllLines(f)) {
        texts.add(json.readTree(line).path("text").asText(""));
      }
    }
    return texts;
  }
}
