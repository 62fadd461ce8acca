package dev.lmgate.filters.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How {@code prompt-policy} tells that an answer gives back a pinned system prompt: it repeats
 * {@link #LEAK_WORDS} consecutive words of the prompt, case, punctuation and spacing ignored; and,
 * for a stream, from where the answer's last words could still grow into such a run, so that only
 * those are held back. Prompt and answer are cut into words the same way.
 */
final class PromptOverlap {
  /** The pinned prompts' word n-grams, by prompt text (a handful of prompts per config). */
  private static final Map<String, Set<String>> NGRAMS = new ConcurrentHashMap<>();

  /** The pinned prompts' words, lower-cased, by prompt text. */
  private static final Map<String, List<String>> WORDS = new ConcurrentHashMap<>();

  /** Consecutive words of the pinned prompt whose appearance in an answer counts as a leak. */
  static final int LEAK_WORDS = 8;

  private static final com.google.re2j.Pattern WORD =
      com.google.re2j.Pattern.compile("[\\p{L}\\p{N}]+");

  private PromptOverlap() {}

  /**
   * Whether {@code answer} repeats {@link #LEAK_WORDS} consecutive words of {@code prompt} (case,
   * punctuation and spacing ignored): the prompt leaking, verbatim or nearly.
   */
  static boolean overlaps(String prompt, String answer) {
    Set<String> grams = NGRAMS.computeIfAbsent(prompt, PromptOverlap::ngrams);
    if (grams.isEmpty()) {
      return false;
    }
    List<String> words = words(answer);
    for (int i = 0; i + LEAK_WORDS <= words.size(); i++) {
      if (grams.contains(String.join(" ", words.subList(i, i + LEAK_WORDS)))) {
        return true;
      }
    }
    return false;
  }

  /**
   * From where the answer's last words could still grow into {@link #LEAK_WORDS} consecutive words
   * of {@code promptText}: the start of the longest run of trailing words (from {@code from} on)
   * that begins some {@code LEAK_WORDS}-word window of the prompt, the last word compared as a
   * prefix when it touches the end (it may go on); {@code answer.length()} when none.
   */
  static int undecidedFrom(String promptText, String answer, int from) {
    List<String> prompt = WORDS.computeIfAbsent(promptText, PromptOverlap::words);
    int len = answer.length();
    if (prompt.size() < LEAK_WORDS) {
      return len;
    }
    java.util.ArrayDeque<int[]> tail = new java.util.ArrayDeque<>();
    com.google.re2j.Matcher m = WORD.matcher(answer);
    int at = from;
    while (at < len && m.find(at)) {
      tail.addLast(new int[] {m.start(), m.end()});
      if (tail.size() > LEAK_WORDS) {
        tail.removeFirst();
      }
      at = m.end();
    }
    boolean lastOpen = !tail.isEmpty() && tail.peekLast()[1] == len;
    if (!lastOpen && tail.size() == LEAK_WORDS) {
      tail.removeFirst(); // LEAK_WORDS whole words are decided: a leak, or none
    }
    List<String> words = new ArrayList<>(tail.size());
    for (int[] w : tail) {
      words.add(normalized(answer.substring(w[0], w[1])));
    }
    int j = 0;
    for (int[] w : tail) {
      if (beginsWindow(prompt, words.subList(j, words.size()), lastOpen)) {
        return w[0];
      }
      j++;
    }
    return len;
  }

  /** Whether {@code run} is how some LEAK_WORDS-word window of {@code prompt} begins. */
  private static boolean beginsWindow(List<String> prompt, List<String> run, boolean lastOpen) {
    for (int i = 0; i + LEAK_WORDS <= prompt.size(); i++) {
      boolean all = true;
      for (int k = 0; k < run.size() && all; k++) {
        String p = prompt.get(i + k);
        String a = run.get(k);
        all = k == run.size() - 1 && lastOpen ? p.startsWith(a) : p.equals(a);
      }
      if (all) {
        return true;
      }
    }
    return false;
  }

  private static Set<String> ngrams(String text) {
    List<String> w = words(text);
    Set<String> out = new java.util.HashSet<>();
    for (int i = 0; i + LEAK_WORDS <= w.size(); i++) {
      out.add(String.join(" ", w.subList(i, i + LEAK_WORDS)));
    }
    return out;
  }

  /**
   * The words of a text as {@link #overlaps} and {@link #undecidedFrom} compare them: runs of
   * letters and digits, each lower-cased on its own (lower-casing can change a word's length, as
   * {@code İ} does, so words are found first and lower-cased after, the same way for prompt and
   * answer).
   */
  private static List<String> words(String text) {
    List<String> out = new ArrayList<>();
    com.google.re2j.Matcher m = WORD.matcher(text);
    while (m.find()) {
      out.add(normalized(m.group()));
    }
    return out;
  }

  /**
   * A word lower-cased one character at a time, so that a word's beginning lower-cases to the
   * beginning of the word (as it arrives in a stream, cut anywhere): no context rules such as
   * Greek's word-final {@code ς}, which is compared as {@code σ}; {@code İ} is {@code i}.
   */
  private static String normalized(String word) {
    StringBuilder sb = new StringBuilder(word.length());
    word.codePoints()
        .map(Character::toLowerCase)
        .map(c -> c == 'ς' ? 'σ' : c)
        .forEach(sb::appendCodePoint);
    return sb.toString();
  }
}
