package dev.lmgate.filters.injection;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Labelled prompts in the dev corpus's JSON-lines shape ({@code id, text, label, category,
 * source}): what the classifier is trained on and {@code lmgate redteam} measures.
 */
public final class Corpus {
  private Corpus() {}

  /**
   * @param label {@code attack}, {@code benign} (or {@code pii}/{@code none} in other files)
   * @param category {@code family:subfamily[:detail]}
   */
  public record Row(String id, String text, String label, String category, String source) {
    /** Injection and jailbreak attempts; harmful requests without a technique are not. */
    public boolean injection() {
      return "attack".equals(label) && !category.startsWith("harmful_request");
    }

    public boolean harmfulRequest() {
      return category.startsWith("harmful_request");
    }

    /**
     * Benign text full of attack vocabulary, as the dev corpus README defines the hard negatives
     * (NotInject, WildGuard benign, prompts that discuss attacks); their false-positive rate is
     * reported apart from plain benign traffic's.
     */
    public boolean hardNegative() {
      return "benign".equals(label) && hardNegative(category);
    }

    /**
     * Whether a benign prompt of {@code category} is a hard negative: NotInject, WildGuard benign,
     * or a {@code mentions_attack_terms} field anywhere in the category (the dev corpus puts it
     * last, the training corpus second).
     */
    public static boolean hardNegative(String category) {
      return category.startsWith("benign:notinject")
          || category.startsWith("benign:wildguard")
          || (":" + category + ":").contains(":mentions_attack_terms:");
    }

    /** The first two parts of the category, e.g. {@code jailbreak:in_the_wild}. */
    public String group() {
      int first = category.indexOf(':');
      int second = first < 0 ? -1 : category.indexOf(':', first + 1);
      return second < 0 ? category : category.substring(0, second);
    }
  }

  public static List<Row> read(Path file) throws IOException {
    ObjectMapper json = new ObjectMapper();
    List<Row> rows = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode n = json.readTree(line);
        rows.add(
            new Row(
                n.path("id").asText(),
                n.path("text").asText(),
                n.path("label").asText(),
                n.path("category").asText(),
                n.path("source").asText()));
      }
    }
    return rows;
  }
}
