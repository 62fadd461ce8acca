package dev.lmgate.filters.semantic;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Turns texts into unit vectors whose dot product measures how alike they are. Two kinds: {@link
 * HashedEmbedder} (built in, lexical, microseconds, no model) and {@link RemoteEmbedder} (any
 * OpenAI-compatible {@code /v1/embeddings}: LM Studio's embedding models, for meaning rather than
 * wording).
 */
public interface Embedder {
  /** One unit-length vector per text, in order. */
  CompletionStage<List<float[]>> embed(List<String> texts);

  /** Names the embedder in reasons and logs. */
  String name();

  /** The cosine similarity of two unit vectors. */
  static double similarity(float[] a, float[] b) {
    int n = Math.min(a.length, b.length);
    double dot = 0;
    for (int i = 0; i < n; i++) {
      dot += a[i] * b[i];
    }
    return dot;
  }

  /** Scales a vector to unit length in place (a zero vector stays zero). */
  static float[] normalize(float[] v) {
    double sum = 0;
    for (float x : v) {
      sum += x * x;
    }
    if (sum > 0) {
      float inv = (float) (1 / Math.sqrt(sum));
      for (int i = 0; i < v.length; i++) {
        v[i] *= inv;
      }
    }
    return v;
  }
}
