package dev.lmgate.filters.moderation;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * A judge of content: a smaller LLM or a content-filtering API. Calls are asynchronous and must not
 * block the caller; a judge that cannot judge (unreachable, slow, an answer it cannot parse) fails
 * the stage, and the filter's {@code on-error} decides.
 */
public interface Moderator {
  /** What is judged: what the user sent, or what the model answered. */
  enum Kind {
    PROMPT,
    RESPONSE
  }

  /**
   * @param flagged whether the judge found the content unsafe
   * @param categories the categories it named (lower case), possibly empty when flagged
   */
  record Judgement(boolean flagged, List<String> categories) {
    public static final Judgement SAFE = new Judgement(false, List.of());

    public Judgement {
      categories = List.copyOf(categories);
    }
  }

  CompletionStage<Judgement> judge(Kind kind, String prompt, String response);
}
