package dev.lmgate.filters.injection;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.re2j.Pattern;
import java.util.Random;
import org.junit.jupiter.api.Test;

class GibberishTest {
  @Test
  void tokensSplitAtWhiteSpaceExactlyAsTheRegularExpressionDid() {
    Pattern whitespace = Pattern.compile("\\s+");
    String alphabet = "ab! [\t\n\f\r\u000b\u00a0é";
    Random random = new Random(19);
    for (int round = 0; round < 20_000; round++) {
      StringBuilder b = new StringBuilder();
      int n = 1 + random.nextInt(12);
      for (int i = 0; i < n; i++) {
        b.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      String text = b.toString().strip(); // as score() hands it over: no white space at the end
      if (text.isEmpty()) {
        continue;
      }
      assertThat(Gibberish.tokens(text)).as("'%s'", text).containsExactly(whitespace.split(text));
    }
    assertThat(Gibberish.tokens("")).containsExactly("");
  }

  @Test
  void scoresAnOptimizedSuffixAndLeavesProseAlone() {
    String prose =
        "Summarise the main benefits of running a local model behind a security gateway in three"
            + " sentences, and keep each one short and plain.";
    assertThat(Gibberish.score(prose)).isZero();
    // lone brackets, a glued word, markup fused with letters: what optimizers append
    String suffix = prose + " [ [ ! ! similarlyNow ^{+} **ONE ]];usepackage";
    assertThat(Gibberish.score(suffix)).isGreaterThan(0.45);
  }

  @Test
  void aListOfLinksIsNotASuffix() {
    // markdown references: the slashes and case of an address are not an optimizer's
    String references =
        "Further reading: [Sandboxing Workflows](https://example.org/blog/sandboxing-agentic-"
            + "workflows-with-webassembly/) **Acme, Jo Doe** [Listening To Leaked Memory]"
            + "(https://example.com/2024/01/16/leftoverLocals-listening-to-responses/) and"
            + " [AML.T0051 - Injection: Direct](https://example.net/techniques/AML.T0051.000)";
    assertThat(Gibberish.score(references)).isZero();
    // the same suffix after them still counts
    assertThat(Gibberish.score(references + " [ [ ! ! similarlyNow ^{+} **ONE ]];usepackage"))
        .isGreaterThan(0.45);
  }

  @Test
  void templatesCodeAndEscapedLineBreaksAreNotASuffix() {
    String suffix = " [ [ ! ! similarlyNow ^{+} **ONE ]];usepackage";
    // a prompt template's placeholders
    String template =
        "Use variables such as ${projectName}, ${framework:React}, {{audience}} and [name] to"
            + " customize the application development process for the team in [city] and {region}.";
    assertThat(Gibberish.score(template)).isZero();
    assertThat(Gibberish.score(template + suffix)).isGreaterThan(0.45);
    // member access in code
    String php =
        "$result = $connection->query('SELECT id FROM topic WHERE id = ' . $db->escape($id));"
            + " Foo::bar($x); $cache->set($key, $value); $log->info('done'); return $result;";
    assertThat(Gibberish.score(php)).isZero();
    // a statement whose names are camelCase and whose indexes are bracketed
    String statement =
        "Complete this: $connection->query('UPDATE topic SET lastUpdated = NOW() WHERE id = '"
            + " . $_POST['KONU'] . ' AND userName = ' . $_SESSION['userId'] . ' LIMIT 1');";
    assertThat(Gibberish.score(statement)).isZero();
    assertThat(Gibberish.score(statement + suffix)).as("left open: scored").isGreaterThan(0.45);
    assertThat(Gibberish.isCodeStatement("**ONE ]];usepackage &lt;@3502756&gt;"))
        .as("an escaped > ends with ';' and ends no statement")
        .isFalse();
    // a paste whose line breaks are escapes: read line by line, the last line is prose
    String escaped =
        "Rules:\\n- Ensure that all technical terms are explained clearly\\n- Use Mermaid"
            + " diagrams where they help\\n\\nYou will explain how the heater works, step by"
            + " step, and how to troubleshoot it.";
    assertThat(Gibberish.score(escaped)).isZero();
    assertThat(Gibberish.unescapeLineBreaks("a\\nB \\newcommand \\t x"))
        .isEqualTo("a\nB \\newcommand   x");
  }
}
