package dev.lmgate.spi;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What a filter is, said once, by its factory. Config validation (what must come before it), the
 * offline guard ({@code lmgate scan}, {@code redteam}), the compliance report and the filter
 * reference ({@code lmgate filters}, docs/filters.md) all read it, so a new filter needs no edit
 * anywhere else.
 *
 * @param id the filter's id, as written in YAML
 * @param stage where in the chain it belongs
 * @param summary what it does, in one sentence
 * @param judges what it judges on its own, without a caller or a network: the offline guard runs a
 *     filter that judges prompts on texts, and one that judges answers on answers
 * @param after filters that must be configured, and listed earlier, whenever this one is (it needs
 *     what they establish, such as the caller)
 * @param handbook the sections of the security handbook (1–10) the filter implements; the
 *     compliance report shows its control there
 * @param docs the page of docs/ (with an anchor) that explains it
 * @param keys the keys its YAML block may hold besides the common ones (action, on-error, timeout);
 *     the config loader refuses any other before the factory sees the block
 */
public record FilterDescription(
    String id,
    Stage stage,
    String summary,
    Set<Judges> judges,
    List<String> after,
    List<Integer> handbook,
    String docs,
    Set<String> keys) {

  /** The three parts of a chain, in the order the reference recommends. */
  public enum Stage {
    /** Identity, incident controls, access, quotas and request shape. */
    WHO_AND_WHETHER,
    /** The content of the request. */
    WHAT_GOES_IN,
    /** The answer. */
    WHAT_COMES_OUT;

    /** As the reference names it: "who and whether". */
    public String label() {
      return name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }
  }

  /** What a filter can judge on its own. */
  public enum Judges {
    /** The content of requests (the input guard). */
    PROMPTS,
    /** Whole answers (the output guard). */
    ANSWERS
  }

  public FilterDescription {
    if (id == null || !id.matches("[a-z][a-z0-9-]*")) {
      throw new IllegalArgumentException("a filter id is lower-case words joined by '-': " + id);
    }
    if (stage == null || summary == null || summary.isBlank() || docs == null) {
      throw new IllegalArgumentException(id + ": a filter says its stage, summary and docs");
    }
    judges = Set.copyOf(judges);
    after = List.copyOf(after);
    handbook = List.copyOf(handbook);
    keys = Set.copyOf(keys);
    for (int section : handbook) {
      if (section < 1 || section > 10) {
        throw new IllegalArgumentException(id + ": the handbook has sections 1 to 10: " + section);
      }
    }
  }

  /** A description with nothing to judge offline, no predecessor and no handbook section. */
  public static FilterDescription of(String id, Stage stage, String summary, String docs) {
    return new FilterDescription(
        id, stage, summary, Set.of(), List.of(), List.of(), docs, Set.of());
  }

  public FilterDescription judging(Judges... what) {
    return new FilterDescription(id, stage, summary, Set.of(what), after, handbook, docs, keys);
  }

  public FilterDescription after(String... ids) {
    return new FilterDescription(id, stage, summary, judges, List.of(ids), handbook, docs, keys);
  }

  public FilterDescription handbook(Integer... sections) {
    return new FilterDescription(id, stage, summary, judges, after, List.of(sections), docs, keys);
  }

  /** The keys the filter's YAML block may hold (its config schema's first level). */
  public FilterDescription keys(String... names) {
    return new FilterDescription(id, stage, summary, judges, after, handbook, docs, Set.of(names));
  }
}
