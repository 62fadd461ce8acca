package dev.lmgate.app.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.lmgate.filters.BuiltinFilters;
import dev.lmgate.spi.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The filter reference (docs/filters.md) and the configuration reference (docs/configuration.md)
 * cannot drift from the code: every built-in filter has a section, and every key the code accepts —
 * learned by offering each filter and config section a key it does not know and reading the list
 * the error names — is documented in its section; the table of filters is the one their
 * descriptions make, and each description's link reaches a heading.
 */
class DocsReferenceTest {
  static final Pattern EXPECTED = Pattern.compile("expected: one of \\[([^\\]]*)\\]");

  static List<String> filterIds() {
    return new ArrayList<>(BuiltinFilters.ids());
  }

  /** The keys the code accepts where {@code yaml} put the unknown key {@code zz-not-a-key}. */
  static List<String> acceptedKeys(String yaml) {
    try {
      new ConfigLoader(k -> null).parse(yaml);
    } catch (ConfigException e) {
      Matcher m = EXPECTED.matcher(e.getMessage());
      if (e.getMessage().contains("zz-not-a-key") && m.find()) {
        return Arrays.stream(m.group(1).split(",\\s*")).filter(s -> !s.isBlank()).toList();
      }
      fail("unexpected error for\n" + yaml + "\n" + e.getMessage());
    }
    fail("an unknown key was accepted:\n" + yaml);
    return List.of();
  }

  /** The text of the section under {@code heading} (up to the next heading of its level). */
  static String section(Path doc, String heading) throws IOException {
    String text = Files.readString(doc);
    int level = heading.indexOf(' ');
    int start = text.indexOf("\n" + heading + "\n");
    assertThat(start).as(doc + " has a section " + heading).isGreaterThanOrEqualTo(0);
    int end = text.length();
    for (int l = 1; l <= level; l++) {
      int next = text.indexOf("\n" + "#".repeat(l) + " ", start + heading.length() + 1);
      if (next >= 0 && next < end) {
        end = next;
      }
    }
    return text.substring(start, end);
  }

  static Path docs(String name) {
    return Path.of("../docs").resolve(name);
  }

  @ParameterizedTest
  @MethodSource("filterIds")
  void everyFilterAndEachOfItsKeysIsInTheFilterReference(String id) throws IOException {
    String yaml =
        "server: {port: 0}\nupstream: {url: http://127.0.0.1:1}\nfilters:\n"
            + (id.equals("authenticate") ? "" : "  - id: authenticate\n    api-keys: {}\n")
            + "  - id: "
            + id
            + "\n    zz-not-a-key: 1\n";
    String text = section(docs("filters.md"), "## `" + id + "`");
    List<String> missing =
        acceptedKeys(yaml).stream().filter(key -> !text.contains("`" + key)).toList();
    assertThat(missing).as("keys of %s missing from docs/filters.md", id).isEmpty();
  }

  @org.junit.jupiter.api.Test
  void theFilterTableIsMadeFromTheFiltersOwnDescriptions() throws IOException {
    String page = Files.readString(docs("filters.md"));
    int begin = page.indexOf(FilterReference.BEGIN);
    int end = page.indexOf(FilterReference.END);
    assertThat(begin).as("docs/filters.md has the filter table's start marker").isNotNegative();
    assertThat(end).as("and its end marker, after it").isGreaterThan(begin);
    assertThat(page.substring(begin + FilterReference.BEGIN.length(), end).strip())
        .as("docs/filters.md's table differs from `lmgate config filters`: paste its output")
        .isEqualTo(FilterReference.markdown(BuiltinFilters.registry()).strip());
  }

  @ParameterizedTest
  @MethodSource("filterIds")
  void everyFiltersDocsLinkReachesAHeading(String id) throws IOException {
    String[] link = BuiltinFilters.registry().description(id).orElseThrow().docs().split("#", 2);
    assertThat(link).as("%s links a page and a heading", id).hasSize(2);
    List<String> anchors =
        Files.readAllLines(docs(link[0])).stream()
            .filter(l -> l.startsWith("#"))
            .map(l -> l.replaceFirst("^#+ ", "").toLowerCase(java.util.Locale.ROOT))
            .map(h -> h.replaceAll("[^a-z0-9 _-]", "").replace(' ', '-'))
            .toList();
    assertThat(anchors).as("headings of docs/%s", link[0]).contains(link[1]);
  }

  @ParameterizedTest
  @MethodSource("sections")
  void everyConfigSectionsKeysAreInTheConfigurationReference(String section) throws IOException {
    String yaml;
    if (section.contains(".")) {
      String[] p = section.split("\\.");
      yaml =
          "server: {port: 0}\nupstream: {url: http://127.0.0.1:1}\n"
              + p[0]
              + ":\n  "
              + p[1]
              + ": {zz-not-a-key: 1}\n";
    } else {
      yaml =
          (section.equals("server") ? "" : "server: {port: 0}\n")
              + (section.equals("upstream") ? "" : "upstream: {url: http://127.0.0.1:1}\n")
              + section
              + ": {zz-not-a-key: 1}\n";
    }
    String heading = section.contains(".") ? "### `" + section + "`" : "## `" + section + "`";
    String text = section(docs("configuration.md"), heading);
    List<String> missing =
        acceptedKeys(yaml).stream().filter(key -> !text.contains("`" + key)).toList();
    assertThat(missing).as("keys of %s missing from docs/configuration.md", section).isEmpty();
  }

  static List<String> sections() {
    return List.of("server", "upstream", "admin", "secrets", "audit", "state", "server.tls");
  }
}
