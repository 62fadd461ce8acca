package dev.lmgate.core.proxy;

import dev.lmgate.spi.FilterOutcome;
import dev.lmgate.spi.OutputText;
import dev.lmgate.spi.TokenUsage;
import io.netty.handler.codec.http.HttpContent;
import java.util.List;

/**
 * How one upstream answer's body travels to the client, chosen by the exchange from the answer's
 * head: relayed as it comes, buffered and inspected whole, guarded event by event, or discarded (LM
 * Studio's 401 to a key about to be re-read). Everything runs on the client's event loop.
 */
sealed interface ResponseBody permits RelayedBody, BufferedBody, GuardedStreamBody {

  /** Takes ownership of {@code content}; {@code last} when it is the answer's last part. */
  void onContent(HttpContent content, boolean last);

  /** The exchange ended, however: drop whatever is still held. Called once; idempotent. */
  default void abandon() {}

  /** Adds the inspections this body ran to the exchange's trace. */
  default void collectOutcomes(List<FilterOutcome> trace) {}

  /** What the exchange consumed, when its answer was inspected; otherwise {@code null}. */
  default TokenUsage usage() {
    return null;
  }

  /** The texts the client received, when they were inspected; otherwise empty. */
  default List<OutputText> delivered() {
    return List.of();
  }
}
