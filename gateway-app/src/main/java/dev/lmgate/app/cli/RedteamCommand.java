package dev.lmgate.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lmgate.filters.sensitive.SensitiveData;
import dev.lmgate.spi.Conversation;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code lmgate redteam FILE...}: runs labelled prompts through the input guards offline and
 * reports how well they do: detection and false-positive rates per label, category and source, and
 * time per prompt; for files with expected spans, span recall and precision per type.
 */
@Command(
    name = "redteam",
    mixinStandardHelpOptions = true,
    description =
        "Measure the guards on labelled JSON-lines files ({\"id\",\"text\",\"label\":"
            + "\"attack|benign\",\"category\",\"source\"}; with \"spans\" for sensitive data;"
            + " with \"prompt_behavior\" for model answers): TPR/FPR per label, category and"
            + " source, p50/p99 time per prompt.")
final class RedteamCommand extends OfflineGuard.Runner {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Span types with a fixed format, on which sensitive-data detection is measured. */
  static final Set<String> STRUCTURED =
      Set.of(
          "EMAIL_ADDRESS",
          "PHONE_NUMBER",
          "CREDIT_CARD",
          "IBAN_CODE",
          "IP_ADDRESS",
          "AWS_ACCESS_KEY_ID",
          "AWS_SECRET_ACCESS_KEY",
          "GITHUB_TOKEN",
          "GITHUB_FINE_GRAINED_PAT",
          "OPENAI_API_KEY",
          "ANTHROPIC_API_KEY",
          "SLACK_TOKEN",
          "STRIPE_SECRET_KEY",
          "GOOGLE_API_KEY",
          "HUGGINGFACE_TOKEN",
          "JWT",
          "PRIVATE_KEY",
          "US_SSN");

  @Parameters(paramLabel = "FILE", arity = "1..*", description = "Labelled JSON-lines files.")
  List<Path> files;

  @picocli.CommandLine.Option(
      names = "--json",
      paramLabel = "FILE",
      description =
          "Also write the prompts' report as JSON: thresholds, confusion matrix, families, ROC.")
  Path json;

  @picocli.CommandLine.Option(
      names = "--html",
      paramLabel = "FILE",
      description =
          "Also write the prompts' report as an HTML page with the prompt-injection score's ROC"
              + " curve (self-contained: no script, no outside resource).")
  Path html;

  /** One labelled prompt and what the guards said. */
  private record Row(
      String category,
      String source,
      String label,
      boolean flagged,
      long nanos,
      int chars,
      double score) {}

  RedteamCommand() {
    super("redteam");
  }

  @Override
  int run(OfflineGuard guard) {
    List<JsonNode> prompts = new ArrayList<>();
    List<JsonNode> spans = new ArrayList<>();
    List<JsonNode> answers = new ArrayList<>();
    for (Path f : files) {
      try {
        for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
          if (line.isBlank()) {
            continue;
          }
          JsonNode n = JSON.readTree(line);
          (n.has("spans") || "none".equals(n.path("label").asText())
                  ? spans
                  : n.has("prompt_behavior") ? answers : prompts)
              .add(n);
        }
      } catch (IOException e) {
        return Exit.error("redteam", f + ": " + e.getMessage());
      }
    }
    PrintStream out = System.out;
    if (!prompts.isEmpty()) {
      try {
        reportPrompts(guard, prompts, out);
      } catch (java.io.UncheckedIOException e) { // --json or --html could not be written
        return Exit.error("redteam", e.getCause().getMessage());
      }
    }
    if (!spans.isEmpty()) {
      reportSpans(spans, guard.phoneNumbers(), out);
    }
    if (!answers.isEmpty()) {
      reportAnswers(guard, answers, out);
    }
    return 0;
  }

  /**
   * Model answers labelled harmful or not ({@code outputs.jsonl}): what the output guards block.
   */
  private void reportAnswers(OfflineGuard guard, List<JsonNode> answers, PrintStream out) {
    out.println();
    out.println("Output guards on " + answers.size() + " labelled answers (flagged: blocked)");
    if (!guard.judgesAnswers()) {
      out.println("(the config has no output guard that judges whole answers)");
    }
    List<Row> rows = new ArrayList<>();
    for (JsonNode n : answers) {
      long t0 = System.nanoTime();
      OfflineGuard.Outcome o =
          guard.runOutput(n.path("prompt_behavior").asText(""), n.path("text").asText(""));
      rows.add(
          new Row(
              n.path("category").asText(""),
              n.path("source").asText(""),
              n.path("label").asText(""),
              o.verdict().equals("block"),
              System.nanoTime() - t0,
              n.path("text").asText("").length(),
              o.score()));
    }
    out.println();
    out.println("| set | answers | flagged | rate |");
    out.println("|---|---:|---:|---:|");
    line(out, "harmful answers (TPR)", rows, r -> r.label().equals("attack"));
    line(out, "benign answers (FPR)", rows, r -> r.label().equals("benign"));
    out.println();
    out.println("| category | answers | flagged | rate |");
    out.println("|---|---:|---:|---:|");
    Map<String, List<Row>> byCategory = new TreeMap<>();
    for (Row r : rows) {
      byCategory.computeIfAbsent(r.category(), k -> new ArrayList<>()).add(r);
    }
    byCategory.forEach((k, v) -> line(out, k, v, r -> true));
  }

  private void reportPrompts(OfflineGuard guard, List<JsonNode> prompts, PrintStream out) {
    List<Conversation> conversations = prompts.stream().map(OfflineGuard::conversation).toList();
    for (int pass = 0; pass < WARM_UP_PASSES; pass++) {
      for (Conversation c : conversations) {
        guard.run(c); // the figures below are for a running gateway, not a cold JVM
      }
    }
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < prompts.size(); i++) {
      JsonNode n = prompts.get(i);
      long t0 = System.nanoTime();
      OfflineGuard.Outcome o = guard.run(conversations.get(i));
      long t = System.nanoTime() - t0;
      String source = n.path("source").asText("");
      int colon = source.indexOf(':');
      rows.add(
          new Row(
              n.path("category").asText(""),
              colon > 0 ? source.substring(0, colon) : source,
              n.path("label").asText(""),
              o.verdict().equals("block"),
              t,
              n.path("text").asText("").length(),
              o.score()));
    }
    out.println("Input guards on " + rows.size() + " labelled prompts");
    out.println();
    out.println("(flagged: blocked by the input guards)");
    out.println();
    out.println("| set | prompts | flagged | rate |");
    out.println("|---|---:|---:|---:|");
    line(out, "injection and jailbreak attacks (TPR)", rows, r -> isInjection(r));
    line(
        out, "harmful requests without a technique", rows, r -> r.category().startsWith("harmful"));
    line(out, "plain benign (FPR)", rows, r -> isBenign(r) && !isHardNegative(r));
    line(out, "hard negatives (FPR)", rows, r -> isBenign(r) && isHardNegative(r));
    out.println();
    out.println("| category | prompts | flagged | rate |");
    out.println("|---|---:|---:|---:|");
    Map<String, List<Row>> byCategory = new TreeMap<>();
    for (Row r : rows) {
      byCategory.computeIfAbsent(group(r.category()), k -> new ArrayList<>()).add(r);
    }
    byCategory.forEach((k, v) -> line(out, k, v, r -> true));
    out.println();
    out.println("| source | label | prompts | flagged | rate |");
    out.println("|---|---|---:|---:|---:|");
    Map<String, List<Row>> bySource = new TreeMap<>();
    for (Row r : rows) {
      bySource.computeIfAbsent(r.source() + " | " + r.label(), k -> new ArrayList<>()).add(r);
    }
    bySource.forEach((k, v) -> line(out, k, v, r -> true));
    long[] t = rows.stream().mapToLong(Row::nanos).sorted().toArray();
    out.println();
    out.printf(
        Locale.ROOT,
        "time per prompt, all guards (one thread, warmed up): p50 %.3f ms, p99 %.3f ms, max %.3f"
            + " ms (mean %d characters)%n",
        t[t.length / 2] / 1e6,
        t[Math.min(t.length - 1, (int) (t.length * 0.99))] / 1e6,
        t[t.length - 1] / 1e6,
        (int) rows.stream().mapToInt(Row::chars).average().orElse(0));
    fourKib(guard, prompts, out);
    RedteamReport report =
        new RedteamReport(
            rows.stream()
                .map(
                    r ->
                        new RedteamReport.Prompt(
                            group(r.category()), r.label(), isInjection(r), r.flagged(), r.score()))
                .toList(),
            guard.injectionThreshold(),
            dev.lmgate.filters.injection.InjectionDetector.CONFIDENT);
    report.printMarkdown(out);
    try {
      if (json != null) {
        report.writeJson(json);
      }
      if (html != null) {
        report.writeHtml(html, "lmgate redteam: " + files);
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The corpus texts cut into 4 KiB prompts: the size the latency target is stated for. */
  private static void fourKib(OfflineGuard guard, List<JsonNode> prompts, PrintStream out) {
    List<Conversation> big = new ArrayList<>();
    StringBuilder sb = new StringBuilder();
    for (JsonNode n : prompts) {
      sb.append(n.path("text").asText("")).append('\n');
      while (sb.length() >= 4096) {
        big.add(
            OfflineGuard.conversation(JSON.createObjectNode().put("text", sb.substring(0, 4096))));
        sb.delete(0, 4096);
      }
    }
    if (big.isEmpty()) {
      return;
    }
    for (int pass = 0; pass < WARM_UP_PASSES; pass++) {
      for (Conversation c : big) {
        guard.run(c);
      }
    }
    // Each prompt is timed three times and its fastest run kept: the guard's cost, without the
    // collector's and the scheduler's pauses (the single-run p99 is printed beside it).
    Map<String, long[]> best = new java.util.LinkedHashMap<>();
    Map<String, long[]> once = new java.util.LinkedHashMap<>();
    for (int i = 0; i < big.size(); i++) {
      for (int run = 0; run < 3; run++) {
        for (Map.Entry<String, Long> e : guard.run(big.get(i)).nanos().entrySet()) {
          long[] b = best.computeIfAbsent(e.getKey(), k -> filled(big.size()));
          b[i] = Math.min(b[i], e.getValue());
          if (run == 0) {
            once.computeIfAbsent(e.getKey(), k -> new long[big.size()])[i] = e.getValue();
          }
        }
      }
    }
    for (Map.Entry<String, long[]> e : best.entrySet()) {
      long[] t = e.getValue();
      long[] o = once.get(e.getKey());
      Arrays.sort(t);
      Arrays.sort(o);
      out.printf(
          Locale.ROOT,
          "time per 4 KiB prompt in %s (%d prompts, one thread, warmed up, best of 3): p50 %.3f"
              + " ms, p99 %.3f ms (single runs: p99 %.3f ms)%n",
          e.getKey(),
          t.length,
          t[t.length / 2] / 1e6,
          t[Math.min(t.length - 1, (int) (t.length * 0.99))] / 1e6,
          o[Math.min(o.length - 1, (int) (o.length * 0.99))] / 1e6);
    }
  }

  private static long[] filled(int n) {
    long[] a = new long[n];
    Arrays.fill(a, Long.MAX_VALUE);
    return a;
  }

  /** Passes over the prompts before timing: the figures are for a running gateway's JIT. */
  static final int WARM_UP_PASSES = 3;

  private static void line(
      PrintStream out, String name, List<Row> rows, java.util.function.Predicate<Row> which) {
    long n = rows.stream().filter(which).count();
    if (n == 0) {
      return;
    }
    long flagged = rows.stream().filter(which).filter(Row::flagged).count();
    out.printf(Locale.ROOT, "| %s | %d | %d | %.1f%% |%n", name, n, flagged, 100.0 * flagged / n);
  }

  static boolean isInjection(Row r) {
    return r.label().equals("attack") && !r.category().startsWith("harmful");
  }

  static boolean isBenign(Row r) {
    return r.label().equals("benign");
  }

  /** Benign text full of attack vocabulary, as the corpus README defines the hard negatives. */
  static boolean isHardNegative(Row r) {
    return dev.lmgate.filters.injection.Corpus.Row.hardNegative(r.category());
  }

  private static String group(String category) {
    String[] p = category.split(":");
    return p.length >= 2 ? p[0] + ":" + p[1] : category;
  }

  private static void reportSpans(
      List<JsonNode> rows, dev.lmgate.filters.sensitive.PhoneNumbers.Plan phones, PrintStream out) {
    Map<String, int[]> perType = new TreeMap<>();
    int tp = 0;
    int fn = 0;
    int fp = 0;
    for (JsonNode n : rows) {
      String text = n.path("text").asText("");
      Set<String> expected = new HashSet<>();
      for (JsonNode s : n.path("spans")) {
        String type = s.path("type").asText();
        if (!STRUCTURED.contains(type)) {
          continue;
        }
        // the corpus counts code points; Java strings count UTF-16 units
        int start = text.offsetByCodePoints(0, s.path("start").asInt());
        int end = text.offsetByCodePoints(0, s.path("end").asInt());
        expected.add(type + "@" + start + "-" + end);
      }
      Set<String> got = new HashSet<>();
      for (SensitiveData.Finding f :
          SensitiveData.find(text, phones, dev.lmgate.filters.budget.ScanBudget.UNLIMITED)) {
        if (STRUCTURED.contains(f.kind())) {
          got.add(f.kind() + "@" + f.start() + "-" + f.end());
        }
      }
      for (String e : expected) {
        int[] c = perType.computeIfAbsent(e.substring(0, e.indexOf('@')), k -> new int[3]);
        if (got.contains(e)) {
          tp++;
          c[0]++;
        } else {
          fn++;
          c[1]++;
        }
      }
      for (String g : got) {
        if (!expected.contains(g)) {
          fp++;
          perType.computeIfAbsent(g.substring(0, g.indexOf('@')), k -> new int[3])[2]++;
        }
      }
    }
    out.println();
    out.println("Sensitive data on " + rows.size() + " texts (exact spans, structured types)");
    out.println();
    out.println("| type | found | missed | false | recall | precision |");
    out.println("|---|---:|---:|---:|---:|---:|");
    perType.forEach(
        (k, c) ->
            out.printf(
                Locale.ROOT,
                "| %s | %d | %d | %d | %.1f%% | %.1f%% |%n",
                k,
                c[0],
                c[1],
                c[2],
                c[0] + c[1] == 0 ? 100.0 : 100.0 * c[0] / (c[0] + c[1]),
                c[0] + c[2] == 0 ? 100.0 : 100.0 * c[0] / (c[0] + c[2])));
    out.printf(
        Locale.ROOT,
        "| all | %d | %d | %d | %.2f%% | %.2f%% |%n",
        tp,
        fn,
        fp,
        tp + fn == 0 ? 100.0 : 100.0 * tp / (tp + fn),
        tp + fp == 0 ? 100.0 : 100.0 * tp / (tp + fp));
  }
}
