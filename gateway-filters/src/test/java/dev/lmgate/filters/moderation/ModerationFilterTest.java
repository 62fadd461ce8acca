package dev.lmgate.filters.moderation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lmgate.spi.FilterSettings;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/** The judge's answer format, and the limit on calls in flight. */
class ModerationFilterTest {
  @Test
  void llamaGuardAnswersAreReadAndAnythingElseIsAnError() throws Exception {
    assertThat(LlmJudge.parse("safe").flagged()).isFalse();
    assertThat(LlmJudge.parse("\n Safe.\n").flagged()).isFalse();
    Moderator.Judgement j = LlmJudge.parse("unsafe\nS1, S10");
    assertThat(j.flagged()).isTrue();
    assertThat(j.categories()).containsExactly("s1", "s10");
    assertThat(LlmJudge.parse("unsafe").categories()).isEmpty();
    assertThatThrownBy(() -> LlmJudge.parse("It seems fine to me")).isInstanceOf(IOException.class);
    assertThatThrownBy(() -> LlmJudge.parse("   ")).isInstanceOf(IOException.class);
    assertThat(LlmJudge.instruction(Moderator.Kind.RESPONSE, "q", "a"))
        .contains("'Agent' messages")
        .contains("User: q")
        .contains("Agent: a");
  }

  @Test
  void moderationsAnswersNameTheTrueCategories() throws Exception {
    Moderator.Judgement j =
        ModerationApi.parse(
            "{\"results\":[{\"flagged\":true,\"categories\":{\"Hate\":true,\"violence\":false}}]}");
    assertThat(j.categories()).containsExactly("hate");
    assertThatThrownBy(() -> ModerationApi.parse("{\"results\":[]}"))
        .isInstanceOf(IOException.class);
  }

  @Test
  void atMostMaxConcurrentCallsAreInFlightAndTheRestRunInOrder() {
    List<CompletableFuture<Moderator.Judgement>> pending = new ArrayList<>();
    int[] peak = {0};
    int[] now = {0};
    Moderator slow =
        (kind, prompt, response) -> {
          now[0]++;
          peak[0] = Math.max(peak[0], now[0]);
          CompletableFuture<Moderator.Judgement> f = new CompletableFuture<>();
          pending.add(f);
          return f;
        };
    ModerationFilter filter =
        new ModerationFilter(
            "llm-judge",
            FilterSettings.defaults(FilterSettings.Action.BLOCK),
            new ModerationFilter.Settings(
                true, false, Map.of(), ModerationFilter.Action.BLOCK, 2, 100, 0, false, null),
            slow);
    List<CompletionStage<Moderator.Judgement>> results = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      results.add(filter.judged(Moderator.Kind.PROMPT, "prompt " + i, ""));
    }
    assertThat(pending).hasSize(2);
    while (!pending.isEmpty()) {
      now[0]--; // this call is over; completing it lets the next waiting one start
      pending.remove(0).complete(Moderator.Judgement.SAFE);
    }
    assertThat(peak[0]).isEqualTo(2);
    assertThat(results).allMatch(r -> r.toCompletableFuture().isDone());
  }
}
