package dev.lmgate.filters.semantic;

import dev.lmgate.filters.text.TextNormalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The built-in embedder: the normalized text's words, word pairs and character 4-grams hashed into
 * {@value #DIMS} dimensions with logarithmic counts, then scaled to unit length. It measures shared
 * wording, not meaning — fast (tens of microseconds per KiB), deterministic and offline; for
 * meaning use a {@link RemoteEmbedder} with an embedding model.
 */
public final class HashedEmbedder implements Embedder {
  public static final int DIMS = 1 << 14;
  private final int maxChars;

  /**
   * @param maxChars how much of each text counts (its start)
   */
  public HashedEmbedder(int maxChars) {
    this.maxChars = maxChars;
  }

  @Override
  public String name() {
    return "hashed";
  }

  @Override
  public CompletionStage<List<float[]>> embed(List<String> texts) {
    List<float[]> out = new ArrayList<>(texts.size());
    for (String t : texts) {
      out.add(vector(t));
    }
    return CompletableFuture.completedFuture(out);
  }

  /** The vector of one text. */
  public float[] vector(String text) {
    String t = TextNormalizer.normalize(text).text().toLowerCase(Locale.ROOT);
    if (t.length() > maxChars) {
      t = t.substring(0, maxChars);
    }
    float[] v = new float[DIMS];
    for (int i = 0; i + 4 <= t.length(); i++) {
      int h = 0x811C9DC5 ^ 0x43;
      for (int j = i; j < i + 4; j++) {
        h = (h ^ t.charAt(j)) * 0x01000193;
      }
      v[index(h)] += 0.5f;
    }
    int prev = 0;
    boolean hasPrev = false;
    int i = 0;
    while (i < t.length()) {
      while (i < t.length() && !Character.isLetterOrDigit(t.charAt(i))) {
        i++;
      }
      if (i >= t.length()) {
        break;
      }
      int h = 0x811C9DC5 ^ 0x57;
      while (i < t.length() && Character.isLetterOrDigit(t.charAt(i))) {
        h = (h ^ t.charAt(i)) * 0x01000193;
        i++;
      }
      v[index(h)] += 1;
      if (hasPrev) {
        v[index((prev * 0x01000193) ^ h ^ 0x42)] += 1;
      }
      prev = h;
      hasPrev = true;
    }
    for (int k = 0; k < v.length; k++) {
      if (v[k] > 0) {
        v[k] = (float) (1 + Math.log(v[k] + 1) - Math.log(2)); // sublinear counts
      }
    }
    return Embedder.normalize(v);
  }

  private static int index(int h) {
    h ^= h >>> 16;
    h *= 0x85EBCA6B;
    h ^= h >>> 13;
    return h & (DIMS - 1);
  }
}
