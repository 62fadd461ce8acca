package dev.lmgate.core.proxy;

import dev.lmgate.spi.Secret;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/** LM Studio's API key as the gateway holds it: the current value, and a way to re-read it. */
public interface UpstreamKey extends Supplier<Secret> {
  /**
   * Re-reads the key off the event loop (LM Studio refused the current one, so it may have been
   * rotated); completes with whether it changed, or exceptionally when it could not be read.
   */
  CompletionStage<Boolean> refresh();
}
