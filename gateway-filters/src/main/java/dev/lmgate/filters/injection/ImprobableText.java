package dev.lmgate.filters.injection;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * How improbable the end of a text is as ordinary writing: a character 4-gram model of benign
 * prompts (stupid backoff), read over windows of the text's end. Optimized adversarial suffixes
 * (GCG and its kin) are token strings chosen for their effect on a model, not for being read: under
 * a model of ordinary text they cost far more bits per character than prose, code or markup. This
 * targets the technique, whatever generator wrote the suffix, where {@link Gibberish} recognizes
 * the shapes one generator leaves.
 *
 * <p>The shipped model ({@code improbable-text.bin.gz}) is trained by {@code lmgate guard
 * train-suffix} on the benign prompts of the training corpus only, so that the dev corpus measures
 * it on sources it never saw; its threshold is chosen inside that corpus by 5-fold cross-validation
 * ({@link #train}). Windows that are mostly non-ASCII (a language the benign prompts hold little
 * of) or that hold fewer than four spaces (no token sequence) are not scored, and runs of {@value
 * #LONG_TOKEN} characters or more without a space (a key, a hash, base64, a link) do not count in a
 * window's mean.
 */
public final class ImprobableText {
  /** Characters of context plus one. */
  static final int ORDER = 4;

  /** Characters per scored window, and the step between windows. */
  static final int WINDOW = 80;

  private static final int STEP = 10;

  /** Characters from the end of the text that are scored. */
  private static final int TAIL = 600;

  /**
   * A run of this many characters without a space is a key, a hash, base64 or a link, not the
   * pieces an optimizer strings together: its characters are left out of a window's mean.
   */
  static final int LONG_TOKEN = 25;

  /** An n-gram seen fewer times than this in training is dropped (unigrams are all kept). */
  static final int MIN_COUNT = 2;

  /**
   * Benign prompts a model needs at least: enough that {@link #TARGET_FPR} of them is one prompt,
   * so that the threshold is a held-out prompt's score and not the lowest score there is.
   */
  static final int MIN_TRAINING = 1000;

  /** The share of held-out benign prompts whose score may reach the threshold. */
  static final double TARGET_FPR = 0.001;

  private static final double BACKOFF = 0.4;
  private static final char START = '\u0002';
  private static final int MAGIC = 0x4c4d4731; // "LMG1"

  private final long[] keys; // open addressing; 0 is empty
  private final int[] counts;
  private final long total; // characters seen
  private final int alphabet; // distinct characters seen, plus one for the unseen
  private final double threshold;

  private ImprobableText(long[] keys, int[] counts, long total, int alphabet, double threshold) {
    this.keys = keys;
    this.counts = counts;
    this.total = total;
    this.alphabet = alphabet;
    this.threshold = threshold;
  }

  private static volatile ImprobableText builtIn;

  /** The shipped model, loaded once. */
  public static ImprobableText builtIn() {
    ImprobableText m = builtIn;
    if (m == null) {
      try (InputStream in = ImprobableText.class.getResourceAsStream("improbable-text.bin.gz")) {
        if (in == null) {
          throw new IllegalStateException("improbable-text.bin.gz is missing from the jar");
        }
        m = read(in);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      builtIn = m;
    }
    return m;
  }

  /** Bits per character at which a window is improbable (natural log, per character). */
  public double threshold() {
    return threshold;
  }

  /** Whether the text ends in a window at least as improbable as the threshold. */
  boolean improbable(String text) {
    return score(text) >= threshold;
  }

  /**
   * The highest mean cost (negative natural log-probability per character) of a scored window of
   * the text's end ({@link #tail}), or 0 when no window is scored. Linear in at most {@link #TAIL}
   * characters.
   */
  public double score(String text) {
    String tail = tail(text);
    int n = tail.length();
    if (n < WINDOW) {
      return 0;
    }
    double[] cost = new double[n];
    boolean[] counted = new boolean[n]; // not part of a long token
    boolean[] wordy = new boolean[n]; // part of a token of 4 or more characters with a letter
    for (int i = 0; i < n; ) {
      int end = i;
      boolean letter = false;
      while (end < n && !isSpace(tail.charAt(end))) {
        letter |= Character.isLetter(tail.charAt(end));
        end++;
      }
      boolean keep = end - i < LONG_TOKEN;
      boolean word = letter && end - i >= 4;
      for (int j = i; j <= end && j < n; j++) {
        counted[j] = keep || j == end;
        wordy[j] = word && j < end;
        cost[j] = counted[j] ? -logProbability(tail, j) : 0;
      }
      i = end + 1;
    }
    double best = 0;
    for (int a = 0; a + WINDOW <= n; a += STEP) {
      if (!oneLine(tail, a) || !scored(tail, wordy, a)) {
        continue;
      }
      double sum = 0;
      int k = 0;
      for (int i = a; i < a + WINDOW; i++) {
        sum += cost[i];
        k += counted[i] ? 1 : 0;
      }
      if (k >= WINDOW / 2) {
        best = Math.max(best, sum / k);
      }
    }
    return best;
  }

  private static boolean isSpace(char c) {
    return c == ' ' || c == '\n';
  }

  /** Whether the window starting at {@code from} lies within one line. */
  private static boolean oneLine(String tail, int from) {
    for (int i = from; i < from + WINDOW; i++) {
      if (tail.charAt(i) == '\n') {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether a window is read: mostly ASCII (a language the benign prompts hold little of is not), a
   * sequence of tokens (at least four spaces: a key or a hash is not), and mostly words — at least
   * half its characters in tokens of four or more characters with a letter. Optimizers emit word
   * pieces glued together; chess moves, chords, codons, hex dumps, Morse and answer keys are lists
   * of short symbols that no model of prose predicts, and are not attacks.
   */
  private static boolean scored(String tail, boolean[] wordy, int from) {
    int ascii = 0;
    int spaces = 0;
    int words = 0;
    for (int i = from; i < from + WINDOW; i++) {
      char c = tail.charAt(i);
      ascii += c < 128 ? 1 : 0;
      spaces += isSpace(c) ? 1 : 0;
      words += wordy[i] ? 1 : 0;
    }
    return ascii >= 0.9 * WINDOW && spaces >= 4 && words >= WINDOW / 2;
  }

  /**
   * The end of a text as the model reads it: escaped line breaks made real, every kind of white
   * space a space or a line break ({@link #space}), template placeholders blanked, digits and case
   * folded ({@link #fold}); of it, the last line (at most its last {@link #TAIL} characters).
   * Suffixes are appended; earlier lines are not read because the lines of a program or a table
   * before a short question ("how do I fix my code?") are improbable text that nobody wrote —
   * reading them raised the threshold that keeps benign prompts at 0.1 % from 3.0 to 3.6 and lost
   * most of what the signal catches. The price: a line after the suffix hides it
   * (docs/guard-efficacy.md).
   */
  static String tail(String text) {
    String t = text.length() > 2 * TAIL ? text.substring(text.length() - 2 * TAIL) : text;
    t = Gibberish.unescapeLineBreaks(t);
    StringBuilder spaced = new StringBuilder(t.length());
    for (int i = 0; i < t.length(); i++) {
      spaced.append(space(t.charAt(i)));
    }
    String line = spaced.toString().strip();
    StringBuilder out = new StringBuilder(line.length());
    int i = 0;
    while (i < line.length()) {
      int end = i;
      while (end < line.length() && !isSpace(line.charAt(end))) {
        end++;
      }
      String token = line.substring(i, end);
      if (!token.isEmpty() && Gibberish.isTemplateSlot(token)) {
        out.append(' ');
      } else {
        for (int k = 0; k < token.length(); k++) {
          out.append(fold(token.charAt(k)));
        }
      }
      while (end < line.length() && isSpace(line.charAt(end))) {
        out.append(line.charAt(end));
        end++;
      }
      i = end;
    }
    String folded = out.toString();
    String last = folded.substring(folded.lastIndexOf('\n') + 1);
    return last.length() > TAIL ? last.substring(last.length() - TAIL) : last;
  }

  /** The log-probability of {@code s.charAt(i)} after the characters before it (stupid backoff). */
  private double logProbability(String s, int i) {
    double weight = 1;
    for (int k = ORDER; k >= 2; k--) {
      int n = count(s, i, k);
      if (n > 0) {
        int context = count(s, i - 1, k - 1);
        return Math.log(weight * Math.min(1.0, n / (double) Math.max(context, 1)));
      }
      weight *= BACKOFF;
    }
    return Math.log(weight * (count(s, i, 1) + 1) / (double) (total + alphabet));
  }

  /** How often the {@code k} characters ending at {@code i} (padded at the start) were seen. */
  private int count(String s, int i, int k) {
    long key = hash(s, i, k);
    int mask = keys.length - 1;
    for (int slot = (int) (key ^ (key >>> 32)) & mask; ; slot = (slot + 1) & mask) {
      if (keys[slot] == 0) {
        return 0;
      }
      if (keys[slot] == key) {
        return counts[slot];
      }
    }
  }

  /** FNV-1a over the gram's length and characters ({@link #START} before the text); never 0. */
  private static long hash(String s, int end, int k) {
    long h = 0xcbf29ce484222325L ^ k;
    h *= 0x100000001b3L;
    for (int j = end - k + 1; j <= end; j++) {
      char c = j < 0 ? START : s.charAt(j);
      h ^= c;
      h *= 0x100000001b3L;
    }
    return h == 0 ? 1 : h;
  }

  /**
   * Trains the model on benign texts (folded as {@link #tail} folds them, whole) and chooses its
   * threshold by 5-fold cross-validation: each fifth of the texts scored by a model trained on the
   * other four, the threshold the score that at most {@link #TARGET_FPR} of them reach.
   * Deterministic: the folds go by position.
   */
  public static ImprobableText train(List<String> benign) {
    if (benign.size() < MIN_TRAINING) {
      throw new IllegalArgumentException(
          benign.size()
              + " benign prompts: at least "
              + MIN_TRAINING
              + " are needed to choose a threshold that "
              + TARGET_FPR * 100
              + " % of held-out prompts reach");
    }
    List<String> texts = new ArrayList<>(benign.size());
    for (String t : benign) {
      texts.add(folded(t));
    }
    double[] heldOut = new double[texts.size()];
    int folds = 5;
    for (int f = 0; f < folds; f++) {
      List<String> rest = new ArrayList<>();
      for (int i = 0; i < texts.size(); i++) {
        if (i % folds != f) {
          rest.add(texts.get(i));
        }
      }
      ImprobableText m = build(rest, 0);
      for (int i = f; i < texts.size(); i += folds) {
        heldOut[i] = m.score(benign.get(i));
      }
    }
    Arrays.sort(heldOut);
    int allowed = (int) Math.floor(heldOut.length * TARGET_FPR);
    // the lowest score above all but `allowed` held-out prompts
    double threshold =
        heldOut.length == 0 ? Double.MAX_VALUE : Math.nextUp(heldOut[heldOut.length - 1 - allowed]);
    return build(texts, threshold);
  }

  /**
   * A character as the model reads it: digits as {@code 0}, letters in lower case. Case carries
   * little that transitions between characters do not, and ordinary text in capitals (a heading,
   * "NEVER", "CHECK BEAM") would otherwise be improbable.
   */
  private static char fold(char c) {
    return c >= '0' && c <= '9' ? '0' : Character.toLowerCase(c);
  }

  /** A whole text as the model trains on it: white space, digits and case folded. */
  private static String folded(String text) {
    String t = Gibberish.unescapeLineBreaks(text);
    StringBuilder out = new StringBuilder(t.length());
    for (int i = 0; i < t.length(); i++) {
      out.append(fold(space(t.charAt(i))));
    }
    return out.toString();
  }

  /**
   * Line breaks as {@code \n}, white space of every other kind (tabs, vertical tabs, form feeds,
   * no-break and other Unicode spaces) as a space: an unusual space between tokens does not hide
   * them.
   */
  private static char space(char c) {
    if (c == '\n' || c == '\r' || c == '\u2028' || c == '\u2029' || c == '\u0085') {
      return '\n';
    }
    return Character.isWhitespace(c) || Character.isSpaceChar(c) ? ' ' : c;
  }

  private static ImprobableText build(List<String> texts, double threshold) {
    java.util.HashMap<Long, int[]> grams = new java.util.HashMap<>();
    java.util.BitSet seen = new java.util.BitSet(65536);
    long total = 0;
    for (String t : texts) {
      for (int i = 0; i < t.length(); i++) {
        seen.set(t.charAt(i));
        total++;
        for (int k = 1; k <= ORDER; k++) {
          int[] v = grams.computeIfAbsent(hash(t, i, k), x -> new int[2]);
          v[0]++; // times seen
          v[1] = k; // its order
        }
      }
    }
    List<long[]> kept = new ArrayList<>();
    for (var e : grams.entrySet()) {
      int[] v = e.getValue();
      if (v[1] == 1 || v[0] >= MIN_COUNT) {
        kept.add(new long[] {e.getKey(), v[0]});
      }
    }
    kept.sort((a, b) -> Long.compare(a[0], b[0])); // a stable file, whatever the map's order
    return table(kept, total, seen.cardinality() + 1, threshold);
  }

  private static ImprobableText table(
      List<long[]> entries, long total, int alphabet, double threshold) {
    int capacity = Integer.highestOneBit(Math.max(16, entries.size() * 2) - 1) << 1;
    long[] keys = new long[capacity];
    int[] counts = new int[capacity];
    int mask = capacity - 1;
    for (long[] e : entries) {
      int slot = (int) (e[0] ^ (e[0] >>> 32)) & mask;
      while (keys[slot] != 0) {
        slot = (slot + 1) & mask;
      }
      keys[slot] = e[0];
      counts[slot] = (int) e[1];
    }
    return new ImprobableText(keys, counts, total, alphabet, threshold);
  }

  /** Writes the model: its threshold, sizes and n-gram counts, gzipped. */
  public void write(OutputStream out) throws IOException {
    List<long[]> entries = new ArrayList<>();
    for (int i = 0; i < keys.length; i++) {
      if (keys[i] != 0) {
        entries.add(new long[] {keys[i], counts[i]});
      }
    }
    entries.sort((a, b) -> Long.compare(a[0], b[0]));
    GZIPOutputStream gz = new GZIPOutputStream(out);
    DataOutputStream d = new DataOutputStream(gz);
    d.writeInt(MAGIC);
    d.writeInt(ORDER);
    d.writeDouble(threshold);
    d.writeLong(total);
    d.writeInt(alphabet);
    d.writeInt(entries.size());
    for (long[] e : entries) {
      d.writeLong(e[0]);
      d.writeInt((int) e[1]);
    }
    d.flush();
    gz.finish();
  }

  static ImprobableText read(InputStream in) throws IOException {
    DataInputStream d = new DataInputStream(new GZIPInputStream(in));
    if (d.readInt() != MAGIC || d.readInt() != ORDER) {
      throw new IOException("not an improbable-text model of order " + ORDER);
    }
    double threshold = d.readDouble();
    long total = d.readLong();
    int alphabet = d.readInt();
    int n = d.readInt();
    List<long[]> entries = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      entries.add(new long[] {d.readLong(), d.readInt()});
    }
    return table(entries, total, alphabet, threshold);
  }
}
