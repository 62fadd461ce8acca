package dev.lmgate.app.config;

import dev.lmgate.spi.FilterDescription;
import dev.lmgate.spi.FilterRegistry;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The table of filters at the top of docs/filters.md, made from the filters' own descriptions
 * ({@code lmgate config filters} prints it; a test keeps the page equal to it).
 */
public final class FilterReference {
  /** Where the table starts and ends in the page. */
  public static final String BEGIN = "<!-- filter table: `lmgate config filters` prints it -->";

  public static final String END = "<!-- end of filter table -->";

  private FilterReference() {}

  /** The table in Markdown, filters in the order the registry lists them. */
  public static String markdown(FilterRegistry registry) {
    StringBuilder b = new StringBuilder();
    b.append("| stage | filter | what it does | offline guard | must follow | handbook | keys |\n");
    b.append("|---|---|---|---|---|---|---|\n");
    for (FilterDescription d : registry.descriptions()) {
      b.append("| ")
          .append(d.stage().label())
          .append(" | [`")
          .append(d.id())
          .append("`](")
          .append(d.docs())
          .append(") | ")
          .append(d.summary())
          .append(" | ")
          .append(
              d.judges().stream()
                  .sorted()
                  .map(j -> j.name().toLowerCase(Locale.ROOT))
                  .collect(Collectors.joining(", ")))
          .append(" | ")
          .append(d.after().stream().map(a -> "`" + a + "`").collect(Collectors.joining(", ")))
          .append(" | ")
          .append(sections(d.handbook()))
          .append(" | ")
          .append(d.keys().stream().sorted().collect(Collectors.joining(", ")))
          .append(" |\n");
    }
    return b.toString();
  }

  private static String sections(List<Integer> handbook) {
    return handbook.stream().map(s -> "§" + s).collect(Collectors.joining(", "));
  }
}
