package dev.lmgate.filters.injection;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.function.Supplier;

/**
 * Judgements of texts a caller sent before. A chat client resends the whole conversation on every
 * turn — the same system prompt, every earlier turn — so without a memo a conversation of n turns
 * costs n² scans; with it, each text is scanned once per caller. The judgement is a function of the
 * text alone (and of the detector's settings, which a reload replaces together with the memo), so a
 * remembered one is the one a scan would give.
 *
 * <p>Partitioned by caller: a judgement remembered for one caller is never used for another, so a
 * response time does not tell a caller what others sent (a system prompt, a document). Anonymous
 * callers are told apart by host only, so clients behind one proxy share a partition. Bounded: at
 * most {@link #MAX_CHARS} characters of text (plus {@link #ENTRY_OVERHEAD} an entry) held in all,
 * texts over {@link #MAX_TEXT} characters are not kept, and the least recently used go first; a
 * caller filling it evicts others' entries (they are scanned again), never grows it. Keys are
 * ordered ({@link Comparable}), so texts chosen to share a hash code cost a tree lookup, not a walk
 * through every entry.
 */
final class ScanMemo {
  /** The most characters of text the memo holds, over all callers. */
  static final long MAX_CHARS = 4L << 20;

  /** Longer texts are scanned every time (rare, and costly to hold). */
  static final int MAX_TEXT = 16_384;

  /** What an entry costs besides its text, in characters (objects, references, the map's node). */
  static final int ENTRY_OVERHEAD = 64;

  /** What a judgement is remembered under: who sent the text, how it was read, the text. */
  private record Key(String caller, boolean thirdParty, String text) implements Comparable<Key> {
    private static final java.util.Comparator<Key> ORDER =
        java.util.Comparator.comparing(Key::caller)
            .thenComparing(Key::thirdParty)
            .thenComparing(Key::text);

    @Override
    public int compareTo(Key other) {
      return ORDER.compare(this, other);
    }
  }

  private final Cache<Key, InjectionDetector.Result> results =
      Caffeine.newBuilder()
          .maximumWeight(MAX_CHARS)
          .weigher(
              (Key k, InjectionDetector.Result r) ->
                  k.text().length() + k.caller().length() + ENTRY_OVERHEAD)
          .build();

  /**
   * The judgement of {@code text} from {@code caller}: remembered, or computed by {@code scan} (on
   * the calling thread; a scan that throws, e.g. out of budget, leaves nothing behind).
   */
  InjectionDetector.Result judge(
      String caller, boolean thirdParty, String text, Supplier<InjectionDetector.Result> scan) {
    if (text.length() > MAX_TEXT) {
      return scan.get();
    }
    Key key = new Key(caller, thirdParty, text);
    InjectionDetector.Result known = results.getIfPresent(key);
    if (known != null) {
      return known;
    }
    InjectionDetector.Result r = scan.get();
    results.put(key, r);
    return r;
  }

  /** How many judgements are held (for tests). */
  long size() {
    results.cleanUp();
    return results.estimatedSize();
  }
}
