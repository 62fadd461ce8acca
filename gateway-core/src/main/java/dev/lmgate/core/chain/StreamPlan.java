package dev.lmgate.core.chain;

import dev.lmgate.spi.FilterSettings;
import dev.lmgate.spi.StreamInspector;
import dev.lmgate.spi.StreamReview;
import java.util.List;

/**
 * What the chain runs over one streamed answer: the inspectors that see it event by event and the
 * reviews that read it in rounds, each with the filter it belongs to (whose action, shadow mode and
 * {@code on-error} {@link Enforcement} applies). Made by {@link FilterChain#streamPlan} per
 * request.
 */
public record StreamPlan(List<Inspector> inspectors, List<Review> reviews) {

  /** An inspector and the filter it belongs to. */
  public record Inspector(String filterId, FilterSettings settings, StreamInspector inspector) {}

  /** A reviewer and the filter it belongs to. */
  public record Review(String filterId, FilterSettings settings, StreamReview review) {}

  public StreamPlan {
    inspectors = List.copyOf(inspectors);
    reviews = List.copyOf(reviews);
  }

  /** Whether no filter looks at the stream (it may still be guarded for the audit trail). */
  public boolean isEmpty() {
    return inspectors.isEmpty() && reviews.isEmpty();
  }
}
