package dev.lmgate.app.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;

/**
 * What {@code lmgate redteam} measured on labelled prompts, in the three forms it writes: Markdown
 * (standard output), JSON ({@code --json}) and a self-contained HTML page with the ROC curve of the
 * prompt-injection score ({@code --html}). Every figure comes from the prompts' verdicts and
 * scores; nothing is asserted.
 *
 * <p>The confusion matrix counts injection and jailbreak attacks against benign prompts (harmful
 * requests without a technique are neither: this guard does not judge harm) at the verdicts the
 * input guards gave. The ROC curve sweeps the threshold of the prompt-injection score alone, the
 * other input guards left out, and marks the configured threshold.
 */
final class RedteamReport {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One labelled prompt: its family (category's first two fields), label, verdict and score. */
  record Prompt(String family, String label, boolean injection, boolean flagged, double score) {}

  /** Flagged and not flagged of a set of prompts. */
  record Count(int prompts, int flagged) {
    double rate() {
      return prompts == 0 ? 0 : (double) flagged / prompts;
    }
  }

  /** A point of the ROC curve: at {@code threshold}, the detection and false-positive rates. */
  record Point(double threshold, double tpr, double fpr) {}

  private final List<Prompt> prompts;
  private final OptionalDouble threshold;
  private final double classifierThreshold;

  RedteamReport(List<Prompt> prompts, OptionalDouble threshold, double classifierThreshold) {
    this.prompts = List.copyOf(prompts);
    this.threshold = threshold;
    this.classifierThreshold = classifierThreshold;
  }

  /** A family and a label: the rows of the per-family tables. */
  record Family(String family, String label) implements Comparable<Family> {
    @Override
    public int compareTo(Family o) {
      int c = family.compareTo(o.family);
      return c != 0 ? c : label.compareTo(o.label);
    }
  }

  /** Each family's count, by family and label. */
  Map<Family, Count> families() {
    Map<Family, Count> out = new TreeMap<>();
    for (Prompt p : prompts) {
      out.merge(
          new Family(p.family(), p.label()),
          new Count(1, p.flagged() ? 1 : 0),
          (a, b) -> new Count(a.prompts() + b.prompts(), a.flagged() + b.flagged()));
    }
    return out;
  }

  /** [true positives, false negatives, false positives, true negatives]. */
  int[] confusion() {
    int[] m = new int[4];
    for (Prompt p : prompts) {
      if (p.injection()) {
        m[p.flagged() ? 0 : 1]++;
      } else if (p.label().equals("benign")) {
        m[p.flagged() ? 2 : 3]++;
      }
    }
    return m;
  }

  /**
   * The prompt-injection score's ROC: at each threshold from 0 to 1 in steps of 0.01, the share of
   * attacks and of benign prompts scoring at or above it.
   */
  List<Point> roc() {
    return roc(Prompt::injection);
  }

  /**
   * Each attack family's ROC: its injection and jailbreak prompts against every benign prompt, so
   * that a family the overall curve hides (few prompts, low scores) shows on its own.
   */
  Map<String, List<Point>> familyRocs() {
    Map<String, List<Point>> out = new TreeMap<>();
    for (Prompt p : prompts) {
      if (p.injection() && !out.containsKey(p.family())) {
        String family = p.family();
        out.put(family, roc(q -> q.injection() && q.family().equals(family)));
      }
    }
    return out;
  }

  /** The ROC of the prompts {@code attack} picks against every benign prompt. */
  private List<Point> roc(java.util.function.Predicate<Prompt> attack) {
    List<Point> out = new ArrayList<>();
    for (int i = 0; i <= 100; i++) {
      double t = i / 100.0;
      int attacks = 0;
      int caught = 0;
      int benign = 0;
      int false_ = 0;
      for (Prompt p : prompts) {
        if (attack.test(p)) {
          attacks++;
          caught += p.score() >= t ? 1 : 0;
        } else if (p.label().equals("benign")) {
          benign++;
          false_ += p.score() >= t ? 1 : 0;
        }
      }
      out.add(
          new Point(
              t,
              attacks == 0 ? 0 : (double) caught / attacks,
              benign == 0 ? 0 : (double) false_ / benign));
    }
    return out;
  }

  void printMarkdown(PrintStream out) {
    int[] m = confusion();
    out.println();
    out.println(
        "Confusion matrix (injection and jailbreak attacks against benign prompts, at the guards'"
            + " verdicts):");
    out.println();
    out.println("| | flagged | passed |");
    out.println("|---|---:|---:|");
    out.printf(Locale.ROOT, "| attack | %d | %d |%n", m[0], m[1]);
    out.printf(Locale.ROOT, "| benign | %d | %d |%n", m[2], m[3]);
    out.println();
    out.println("Thresholds used: " + thresholds());
  }

  private String thresholds() {
    return (threshold.isPresent()
            ? String.format(
                Locale.ROOT, "prompt-injection flags from a score of %.2f", threshold.getAsDouble())
            : "no prompt-injection filter in the config")
        + String.format(
            Locale.ROOT, "; its classifier counts from a probability of %.2f", classifierThreshold);
  }

  ObjectNode json() {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode t = root.putObject("thresholds");
    if (threshold.isPresent()) {
      t.put("prompt_injection", threshold.getAsDouble());
    }
    t.put("classifier", classifierThreshold);
    int[] m = confusion();
    ObjectNode c = root.putObject("confusion");
    c.put("true_positives", m[0]).put("false_negatives", m[1]);
    c.put("false_positives", m[2]).put("true_negatives", m[3]);
    ArrayNode families = root.putArray("families");
    families()
        .forEach(
            (k, v) -> {
              families
                  .addObject()
                  .put("family", k.family())
                  .put("label", k.label())
                  .put("prompts", v.prompts())
                  .put("flagged", v.flagged())
                  .put("rate", v.rate());
            });
    points(root.putArray("roc"), roc());
    ObjectNode byFamily = root.putObject("roc_by_family");
    familyRocs().forEach((family, curve) -> points(byFamily.putArray(family), curve));
    return root;
  }

  private static void points(ArrayNode into, List<Point> curve) {
    for (Point p : curve) {
      into.addObject().put("threshold", p.threshold()).put("tpr", p.tpr()).put("fpr", p.fpr());
    }
  }

  void writeJson(Path file) throws IOException {
    Files.writeString(
        file,
        JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json()) + "\n",
        StandardCharsets.UTF_8);
  }

  /** The page: the thresholds, the confusion matrix, the families and the ROC curve (SVG). */
  void writeHtml(Path file, String title) throws IOException {
    StringBuilder h = new StringBuilder();
    h.append("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
        .append(escape(title))
        .append("</title>\n<style>body{font:14px sans-serif;margin:2em}table{border-collapse:")
        .append("collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}")
        .append("td:first-child,th:first-child{text-align:left}</style></head><body>\n<h1>")
        .append(escape(title))
        .append("</h1>\n<p>")
        .append(escape(thresholds()))
        .append("</p>\n");
    int[] m = confusion();
    h.append("<h2>Confusion matrix</h2>\n<table><tr><th></th><th>flagged</th><th>passed</th></tr>")
        .append(
            String.format(
                Locale.ROOT, "<tr><td>attack</td><td>%d</td><td>%d</td></tr>", m[0], m[1]))
        .append(
            String.format(
                Locale.ROOT, "<tr><td>benign</td><td>%d</td><td>%d</td></tr>", m[2], m[3]))
        .append("</table>\n<h2>By family</h2>\n<table><tr><th>family</th><th>label</th>")
        .append("<th>prompts</th><th>flagged</th><th>rate</th></tr>\n");
    families()
        .forEach(
            (k, v) -> {
              h.append(
                  String.format(
                      Locale.ROOT,
                      "<tr><td>%s</td><td>%s</td><td>%d</td><td>%d</td><td>%.1f%%</td></tr>%n",
                      escape(k.family()),
                      escape(k.label()),
                      v.prompts(),
                      v.flagged(),
                      100 * v.rate()));
            });
    h.append("</table>\n<h2>ROC of the prompt-injection score</h2>\n")
        .append("<p>All injection and jailbreak families together (thick), and each family against")
        .append(" every benign prompt; the dot marks the configured threshold.</p>\n")
        .append(svg())
        .append('\n');
    h.append("<ul class=\"legend\">");
    int i = 0;
    for (String family : familyRocs().keySet()) {
      h.append("<li><span style=\"color:")
          .append(colour(i))
          .append("\">")
          .append(i++ >= 9 ? "&#9476;" : "&#9644;") // dashed, as the curve is, once colours repeat
          .append("</span> ")
          .append(escape(family))
          .append("</li>");
    }
    h.append("</ul>\n");
    h.append("</body></html>\n");
    Files.writeString(file, h.toString(), StandardCharsets.UTF_8);
  }

  /** The ROC curve, false-positive rate across and detection rate up, the threshold marked. */
  String svg() {
    int size = 400;
    int pad = 40;
    Point marked = null;
    for (Point p : roc()) {
      if (threshold.isPresent() && Math.abs(p.threshold() - threshold.getAsDouble()) < 0.005) {
        marked = p;
      }
    }
    StringBuilder s = new StringBuilder();
    s.append(
            String.format(
                Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\">",
                size + 2 * pad,
                size + 2 * pad))
        .append(
            String.format(
                Locale.ROOT,
                "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>",
                pad,
                pad,
                size,
                size))
        .append(
            String.format(
                Locale.ROOT,
                "<text x=\"%d\" y=\"%d\">false-positive rate</text>"
                    + "<text x=\"4\" y=\"%d\">TPR</text>",
                pad + size / 2 - 50,
                size + 2 * pad - 8,
                pad - 8));
    int i = 0;
    for (Map.Entry<String, List<Point>> e : familyRocs().entrySet()) {
      s.append("<polyline class=\"family\" fill=\"none\" stroke=\"")
          .append(colour(i))
          .append(i >= 9 ? "\" stroke-dasharray=\"4 2" : "") // colours come round again: dashed
          .append("\" stroke-width=\"1\" points=\"")
          .append(polyline(e.getValue(), pad, size))
          .append("\"><title>")
          .append(escape(e.getKey()))
          .append("</title></polyline>");
      i++;
    }
    s.append("<polyline class=\"roc\" fill=\"none\" stroke=\"#c00\" stroke-width=\"3\" points=\"")
        .append(polyline(roc(), pad, size))
        .append("\"/>");
    if (marked != null) {
      s.append(
          String.format(
              Locale.ROOT,
              "<circle class=\"threshold\" cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"#00c\"><title>"
                  + "threshold %.2f: TPR %.1f%%, FPR %.1f%%</title></circle>",
              pad + marked.fpr() * size,
              pad + (1 - marked.tpr()) * size,
              marked.threshold(),
              100 * marked.tpr(),
              100 * marked.fpr()));
    }
    return s.append("</svg>").toString();
  }

  private static String polyline(List<Point> curve, int pad, int size) {
    StringBuilder points = new StringBuilder();
    for (Point p : curve) {
      points.append(
          String.format(
              Locale.ROOT, "%.1f,%.1f ", pad + p.fpr() * size, pad + (1 - p.tpr()) * size));
    }
    return points.toString().strip();
  }

  /** The family curves' colours, in turn (dark enough to read on white). */
  private static String colour(int i) {
    String[] palette = {
      "#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
      "#ff7f0e"
    };
    return palette[i % palette.length];
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
