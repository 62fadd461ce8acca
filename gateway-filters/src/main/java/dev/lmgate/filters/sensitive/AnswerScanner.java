package dev.lmgate.filters.sensitive;

import dev.lmgate.filters.sensitive.SensitiveDataFilter.Handling;
import dev.lmgate.filters.sensitive.SensitiveDataFilter.Output;
import dev.lmgate.filters.text.PrefixAutomaton;
import dev.lmgate.spi.OutputChannel;
import dev.lmgate.spi.StreamInspector;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The answer's side of {@code sensitive-data}: finds the values {@link Output#handling} blocks or
 * masks in what the model says, and the pseudonyms the request side placed, to restore them from
 * the exchange's {@link PseudonymVault}. Works on a whole answer and, event by event, on a streamed
 * one ({@link OutputScan}), where it says from where text may still complete a value or a
 * placeholder so that the stream holds it back.
 */
final class AnswerScanner {
  /**
   * Pseudonym placeholders as {@link PseudonymVault} writes them (RE2/J: linear in the model's
   * text). A placeholder is at most {@link PseudonymVault#MAX_PLACEHOLDER_LENGTH} characters, below
   * the smallest {@code hold-back}, so one split across streamed events is still seen whole.
   */
  private static final com.google.re2j.Pattern PLACEHOLDER =
      com.google.re2j.Pattern.compile(
          "\\[[A-Z]{2,6}_[a-z2-7]{" + PseudonymVault.SUFFIX_LENGTH + "}\\]");

  /** The end of a PEM private key, which closes a redaction opened by its header. */
  private static final com.google.re2j.Pattern PEM_END =
      com.google.re2j.Pattern.compile("-----END [A-Z ]*PRIVATE KEY(?: BLOCK)?-----");

  private static final PrefixAutomaton PLACEHOLDER_PREFIX = PrefixAutomaton.of(PLACEHOLDER);

  private final Output output;
  private final PseudonymVault vault; // null when none is used: nothing to restore
  private final PhoneNumbers.Plan phones;

  AnswerScanner(Output output, PseudonymVault vault, PhoneNumbers.Plan phones) {
    this.output = output;
    this.vault = vault;
    this.phones = phones;
  }

  /** Whether the answer's handling of a type changes the answer (and so may hold text). */
  private boolean changesOutput(String kind) {
    Handling h = output.handling().getOrDefault(kind, Handling.ALLOW);
    return h == Handling.BLOCK || h == Handling.REDACT;
  }

  /**
   * What a streamed output's scan keeps between events: each detector's place ({@link
   * SensitiveData.Growing}) and where a redacted PEM private key began while its END line has not
   * arrived (null when none).
   */
  static final class OutputScan {
    final SensitiveData.Growing values;
    Integer openKey;

    OutputScan(SensitiveData.Growing values) {
      this.values = values;
    }
  }

  /** A new streamed output's scan. */
  OutputScan newScan() {
    return new OutputScan(
        new SensitiveData.Growing(this::changesOutput, output.holdBack(), phones));
  }

  /**
   * Secrets and personal data in an answer, and pseudonyms to restore from {@code scanFrom} on, and
   * from where a value or a placeholder could still complete. Values are those a scan of the whole
   * answer finds ({@link SensitiveData.Growing}), each acted on once more text can no longer change
   * it or once it began {@code hold-back} characters ago; a redacted PEM key stays redacted through
   * its END line, however long.
   *
   * @param scan the output's scan so far; null for a whole answer
   */
  StreamInspector.StreamDecision scan(
      String session,
      OutputChannel channel,
      String text,
      int scanFrom,
      boolean complete,
      OutputScan scan) {
    int len = text.length();
    List<StreamInspector.Span> spans = new ArrayList<>();
    Set<String> reasons = new LinkedHashSet<>();
    Integer open = scan == null ? null : scan.openKey;
    if (open != null) {
      com.google.re2j.Matcher end = PEM_END.matcher(text);
      boolean closed = end.find(Math.max(open, scanFrom - 64));
      spans.add(new StreamInspector.Span(open, closed ? end.end() : len, "[SECRET]"));
      reasons.add("masked PRIVATE_KEY");
      scan.openKey = closed || complete ? null : open;
    }
    int undecided = len;
    if (!output.handling().isEmpty()) {
      List<SensitiveData.Finding> found;
      if (scan == null) {
        found = SensitiveData.findOverlapping(text, this::changesOutput, phones);
      } else {
        found = scan.values.advance(text, complete);
        undecided = scan.values.undecidedFrom();
      }
      for (SensitiveData.Finding f : found) {
        Handling h = output.handling().getOrDefault(f.kind(), Handling.ALLOW);
        if (h == Handling.BLOCK) {
          return StreamInspector.StreamDecision.block(f.kind() + " in the answer");
        }
        if (h == Handling.REDACT) {
          spans.add(new StreamInspector.Span(f.start(), f.end(), "[" + f.category() + "]"));
          reasons.add("masked " + f.kind());
          if (scan != null && !complete && f.kind().equals("PRIVATE_KEY") && f.end() == len) {
            scan.openKey = f.start(); // its body goes on: keep masking it
          }
        }
      }
    }
    boolean restoring =
        output.restore()
            && vault != null
            && (channel != OutputChannel.TOOL_ARGUMENTS || output.restoreInToolArguments());
    if (restoring) {
      com.google.re2j.Matcher m = PLACEHOLDER.matcher(text);
      int at = scanFrom;
      while (at < len && m.find(at)) {
        at = m.end();
        Optional<String> value = vault.reveal(session, m.group());
        if (value.isPresent()) {
          spans.add(new StreamInspector.Span(m.start(), m.end(), value.get()));
          reasons.add("restored pseudonyms");
        }
      }
      if (!complete) {
        undecided = Math.min(undecided, PLACEHOLDER_PREFIX.liveFrom(text, scanFrom));
      }
    }
    StreamInspector.StreamDecision d =
        spans.isEmpty()
            ? StreamInspector.StreamDecision.pass()
            : StreamInspector.StreamDecision.redact(String.join(", ", reasons), spans);
    return d.undecidedFrom(complete ? len : undecided);
  }

  static String applySpans(String text, List<StreamInspector.Span> spans) {
    List<StreamInspector.Span> sorted = new ArrayList<>(spans);
    sorted.sort((a, b) -> Integer.compare(a.start(), b.start()));
    StringBuilder sb = new StringBuilder(text.length());
    int i = 0;
    for (StreamInspector.Span sp : sorted) {
      if (sp.start() < i) {
        i = Math.max(i, sp.end()); // overlaps one applied: masked by it, through its own end
        continue;
      }
      sb.append(text, i, sp.start()).append(sp.replacement());
      i = sp.end();
    }
    return sb.append(text, i, text.length()).toString();
  }
}
