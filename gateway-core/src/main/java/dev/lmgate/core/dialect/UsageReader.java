package dev.lmgate.core.dialect;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lmgate.spi.Conversation;
import dev.lmgate.spi.Message;
import dev.lmgate.spi.TextPart;
import dev.lmgate.spi.TokenUsage;
import java.util.List;

/**
 * Finds token counts in an answer or a stream event, whatever the dialect: {@code usage} with
 * {@code prompt_tokens}/{@code completion_tokens} (OpenAI chat, completions, embeddings, native
 * v0), {@code usage} with {@code input_tokens}/{@code output_tokens} (Responses, Anthropic), and
 * native v1 {@code stats} with {@code input_tokens}/{@code total_output_tokens}. Stream events nest
 * them ({@code response.completed} → {@code response}, Anthropic {@code message_start} → {@code
 * message}, native {@code chat.end} → {@code result}).
 */
public final class UsageReader {
  private UsageReader() {}

  /** Counts found in one JSON document; -1 where it says nothing. */
  public record Counts(long input, long output) {
    public static final Counts NONE = new Counts(-1, -1);

    public boolean any() {
      return input >= 0 || output >= 0;
    }

    /** Later counts win where they say something (Anthropic reports input and output apart). */
    public Counts merge(Counts later) {
      return new Counts(
          later.input >= 0 ? later.input : input, later.output >= 0 ? later.output : output);
    }
  }

  public static Counts read(JsonNode doc) {
    if (doc == null || !doc.isObject()) {
      return Counts.NONE;
    }
    Counts c = of(doc);
    for (String nest : new String[] {"response", "message", "result"}) {
      JsonNode n = doc.get(nest);
      if (n != null && n.isObject()) {
        c = c.merge(of(n));
      }
    }
    return c;
  }

  private static Counts of(JsonNode n) {
    Counts c = Counts.NONE;
    JsonNode usage = n.get("usage");
    if (usage != null && usage.isObject()) {
      c = c.merge(new Counts(count(usage, "prompt_tokens"), count(usage, "completion_tokens")));
      c = c.merge(new Counts(count(usage, "input_tokens"), count(usage, "output_tokens")));
    }
    JsonNode stats = n.get("stats");
    if (stats != null && stats.isObject()) {
      c = c.merge(new Counts(count(stats, "input_tokens"), count(stats, "total_output_tokens")));
    }
    return c;
  }

  private static long count(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v != null && v.canConvertToLong() && v.asLong() >= 0 ? v.asLong() : -1;
  }

  /**
   * What an exchange consumed: the reported counts, completed with an estimate (four characters a
   * token) where LM Studio reported none — a stream without {@code include_usage}, or one cut short
   * by a block or a disconnect.
   *
   * @param request the request's conversation, for an estimate of the prompt
   * @param outputChars characters of output the answer carried, for an estimate of the completion
   */
  public static TokenUsage complete(Counts reported, Conversation request, long outputChars) {
    boolean estimated = reported.input() < 0 || reported.output() < 0;
    long in = reported.input() >= 0 ? reported.input() : estimate(promptChars(request));
    long out = reported.output() >= 0 ? reported.output() : estimate(outputChars);
    return new TokenUsage(in, out, estimated);
  }

  private static long promptChars(Conversation c) {
    long n = chars(c.prompts()) + chars(c.inputs());
    for (Message m : c.messages()) {
      n += chars(m.parts());
    }
    return n;
  }

  private static long chars(List<TextPart> parts) {
    long n = 0;
    for (TextPart p : parts) {
      n += p.text().length();
    }
    return n;
  }

  private static long estimate(long chars) {
    return (chars + 3) / 4;
  }
}
