package dev.lmgate.filters.injection;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * A logistic-regression classifier over hashed n-gram features of the normalized text: word
 * unigrams and bigrams and character 4-grams, each present-or-not, the vector scaled to unit length
 * (so that a long text does not score high for being long). Small (the weights ship in the jar),
 * fast (one pass over the text, no allocation per feature) and deterministic: {@link #train} with
 * the same examples and seed gives the same weights, bit for bit.
 *
 * <p>It complements the rules: the rules name techniques, the classifier weighs vocabulary the
 * rules do not list. Its score is a probability in [0, 1].
 */
public final class InjectionClassifier {
  static final int BITS = 18;
  static final int DIMS = 1 << BITS;
  private static final int MAGIC = 0x4c4d4943; // "LMIC"
  private static final int VERSION = 1;

  /** Texts longer than this are read as their first and last halves of it. */
  static final int MAX_CHARS = 12_000;

  private final float[] weights;
  private final float bias;

  InjectionClassifier(float[] weights, float bias) {
    this.weights = weights;
    this.bias = bias;
  }

  /**
   * The model shipped with lmgate, trained on the dev and training corpora
   * (docs/guard-efficacy.md).
   */
  public static InjectionClassifier builtIn() {
    try (InputStream in =
        InjectionClassifier.class.getResourceAsStream("injection-classifier.bin.gz")) {
      if (in == null) {
        throw new IllegalStateException("injection-classifier.bin.gz is missing from the jar");
      }
      return read(in);
    } catch (IOException e) {
      throw new IllegalStateException("injection-classifier.bin.gz: " + e.getMessage(), e);
    }
  }

  /** The probability that {@code normalized} (from TextNormalizer) is an injection attempt. */
  public double score(String normalized) {
    int[] f = features(normalized);
    if (f.length == 0) {
      return sigmoid(bias);
    }
    double scale = 1 / Math.sqrt(f.length);
    double z = bias;
    for (int i : f) {
      z += weights[i] * scale;
    }
    return sigmoid(z);
  }

  static double sigmoid(double z) {
    return 1 / (1 + Math.exp(-z));
  }

  /** Per-thread scratch: one bit per feature index, cleared after each text. */
  private static final ThreadLocal<long[]> SEEN =
      ThreadLocal.withInitial(() -> new long[DIMS / 64]);

  /** The distinct feature indexes of a normalized text, in order of first occurrence. */
  static int[] features(String text) {
    String t =
        text.length() <= MAX_CHARS
            ? text
            : text.substring(0, MAX_CHARS / 2)
                + " "
                + text.substring(text.length() - MAX_CHARS / 2);
    int[] out = new int[t.length() * 3 + 8];
    long[] seen = SEEN.get();
    int n = 0;
    // character 4-grams
    for (int i = 0; i + 4 <= t.length(); i++) {
      int h = 0x811C9DC5 ^ 0x43;
      for (int j = i; j < i + 4; j++) {
        h = (h ^ t.charAt(j)) * 0x01000193;
      }
      n = addOnce(out, n, index(h), seen);
    }
    // words and word bigrams
    int prev = 0;
    boolean hasPrev = false;
    int i = 0;
    while (i < t.length()) {
      while (i < t.length() && !isWordChar(t.charAt(i))) {
        i++;
      }
      if (i >= t.length()) {
        break;
      }
      int h = 0x811C9DC5 ^ 0x57;
      while (i < t.length() && isWordChar(t.charAt(i))) {
        h = (h ^ t.charAt(i)) * 0x01000193;
        i++;
      }
      n = addOnce(out, n, index(h), seen);
      if (hasPrev) {
        n = addOnce(out, n, index((prev * 0x01000193) ^ h ^ 0x42), seen);
      }
      prev = h;
      hasPrev = true;
    }
    for (int k = 0; k < n; k++) {
      seen[out[k] >>> 6] = 0; // clear only what this text set
    }
    return Arrays.copyOf(out, n);
  }

  private static int addOnce(int[] out, int n, int f, long[] seen) {
    long bit = 1L << (f & 63);
    if ((seen[f >>> 6] & bit) != 0) {
      return n;
    }
    seen[f >>> 6] |= bit;
    out[n] = f;
    return n + 1;
  }

  private static boolean isWordChar(char c) {
    return Character.isLetterOrDigit(c) || c == '\'';
  }

  private static int index(int h) {
    h ^= h >>> 16;
    h *= 0x85EBCA6B;
    h ^= h >>> 13;
    return h & (DIMS - 1);
  }

  /** One training example: a normalized text and whether it is an attack. */
  public record Example(String normalized, boolean attack) {}

  /**
   * Trains with AdaGrad on the logistic loss, L2-regularized, the classes weighted to count
   * equally, in a fixed order shuffled by {@code seed}.
   */
  public static InjectionClassifier train(List<Example> examples, long seed, int epochs) {
    List<int[]> feats = new ArrayList<>(examples.size());
    int positives = 0;
    for (Example e : examples) {
      feats.add(features(e.normalized()));
      positives += e.attack() ? 1 : 0;
    }
    int negatives = examples.size() - positives;
    double wPos = positives == 0 ? 1 : examples.size() / (2.0 * positives);
    double wNeg = negatives == 0 ? 1 : examples.size() / (2.0 * negatives);
    float[] w = new float[DIMS];
    double[] g2 = new double[DIMS];
    double bias = 0;
    double biasG2 = 0;
    double rate = 0.5;
    double l2 = 1e-4;
    Integer[] order = new Integer[examples.size()];
    for (int k = 0; k < order.length; k++) {
      order[k] = k;
    }
    Random random = new Random(seed);
    for (int epoch = 0; epoch < epochs; epoch++) {
      java.util.Collections.shuffle(Arrays.asList(order), random);
      for (int k : order) {
        int[] f = feats.get(k);
        double scale = f.length == 0 ? 0 : 1 / Math.sqrt(f.length);
        double z = bias;
        for (int i : f) {
          z += w[i] * scale;
        }
        boolean y = examples.get(k).attack();
        double err = (sigmoid(z) - (y ? 1 : 0)) * (y ? wPos : wNeg);
        for (int i : f) {
          double g = err * scale + l2 * w[i];
          g2[i] += g * g;
          w[i] -= (float) (rate * g / Math.sqrt(g2[i] + 1e-8));
        }
        biasG2 += err * err;
        bias -= rate * err / Math.sqrt(biasG2 + 1e-8);
      }
    }
    return new InjectionClassifier(w, (float) bias);
  }

  /** Writes the non-zero weights, gzipped. */
  public void write(OutputStream out) throws IOException {
    ByteArrayOutputStream raw = new ByteArrayOutputStream();
    try (DataOutputStream d = new DataOutputStream(raw)) {
      d.writeInt(MAGIC);
      d.writeInt(VERSION);
      d.writeInt(BITS);
      d.writeFloat(bias);
      int nonZero = 0;
      for (float v : weights) {
        nonZero += v != 0 ? 1 : 0;
      }
      d.writeInt(nonZero);
      for (int i = 0; i < weights.length; i++) {
        if (weights[i] != 0) {
          d.writeInt(i);
          d.writeFloat(weights[i]);
        }
      }
    }
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(raw.toByteArray());
    }
  }

  public static InjectionClassifier read(InputStream in) throws IOException {
    try (DataInputStream d = new DataInputStream(new GZIPInputStream(in))) {
      if (d.readInt() != MAGIC || d.readInt() != VERSION || d.readInt() != BITS) {
        throw new IOException("not an lmgate injection classifier of this version");
      }
      float bias = d.readFloat();
      int n = d.readInt();
      float[] w = new float[DIMS];
      for (int k = 0; k < n; k++) {
        int i = d.readInt();
        if (i < 0 || i >= DIMS) {
          throw new IOException("weight index out of range");
        }
        w[i] = d.readFloat();
      }
      return new InjectionClassifier(w, bias);
    }
  }

  /** A short fingerprint of the weights, for the docs and the audit of which model ran. */
  public String fingerprint() {
    try {
      java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      write(b);
      byte[] h = md.digest(b.toByteArray());
      return java.util.HexFormat.of().formatHex(h, 0, 6);
    } catch (IOException | java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
