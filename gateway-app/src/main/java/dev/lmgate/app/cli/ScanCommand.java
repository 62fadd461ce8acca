package dev.lmgate.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lmgate.filters.sensitive.SensitiveData;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lmgate scan}: JSON lines in ({@code {"id","text"}} or {@code {"id","messages"}}), one
 * verdict per line out, from the configured input guards run offline.
 */
@Command(
    name = "scan",
    mixinStandardHelpOptions = true,
    description =
        "Read JSON lines {\"id\",\"text\"} or {\"id\",\"messages\"} on stdin, run the input guards"
            + " offline, write {\"id\",\"verdict\":\"block|alert|allow\",\"score\",\"rules\"} per"
            + " line. Exit 0, or 2 on a bad config or input line.")
final class ScanCommand extends OfflineGuard.Runner {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(
      names = "--pii",
      description =
          "Also report sensitive-data spans: \"spans\":[{\"start\",\"end\",\"type\"}], offsets in"
              + " UTF-16 code units of the text.")
  boolean pii;

  ScanCommand() {
    super("scan");
  }

  @Override
  int run(OfflineGuard guard) {
    PrintStream out = System.out;
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    int lineNo = 0;
    try {
      String line;
      while ((line = in.readLine()) != null) {
        lineNo++;
        if (line.isBlank()) {
          continue;
        }
        JsonNode n;
        try {
          n = JSON.readTree(line);
        } catch (IOException e) {
          return Exit.error("scan", "line " + lineNo + " is not JSON");
        }
        if (!n.isObject() || !(n.path("text").isTextual() || n.path("messages").isArray())) {
          return Exit.error("scan", "line " + lineNo + " has neither \"text\" nor \"messages\"");
        }
        OfflineGuard.Outcome o = guard.run(OfflineGuard.conversation(n));
        ObjectNode r = JSON.createObjectNode();
        r.set("id", n.path("id"));
        r.put("verdict", o.verdict());
        r.put("score", Math.round(o.score() * 10_000) / 10_000.0);
        ArrayNode rules = r.putArray("rules");
        o.rules().forEach(rules::add);
        if (pii) {
          ArrayNode spans = r.putArray("spans");
          for (SensitiveData.Finding f :
              SensitiveData.find(
                  n.path("text").asText(""),
                  guard.phoneNumbers(),
                  dev.lmgate.filters.budget.ScanBudget.UNLIMITED)) {
            spans.addObject().put("start", f.start()).put("end", f.end()).put("type", f.kind());
          }
        }
        out.println(JSON.writeValueAsString(r));
      }
    } catch (IOException e) {
      return Exit.error("scan", e.getMessage());
    }
    out.flush();
    return 0;
  }
}
