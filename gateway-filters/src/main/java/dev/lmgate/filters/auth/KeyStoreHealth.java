package dev.lmgate.filters.auth;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a {@link FileKeyStore} can still vouch for the keys it last read. The first failed read
 * after a good one starts the {@code staleAfter} bound and is told as {@code key_store_unreadable};
 * a good read after failures as {@code key_store_readable}; the end of the bound, once, as {@code
 * key_store_failed_closed}. A broken file is logged once per distinct error, not every poll. {@link
 * #readable} and {@link #unreadable} are called by one watcher at a time (the store's {@code poll}
 * is synchronized); {@link #unavailable} from any thread.
 */
final class KeyStoreHealth {
  // Under the store's name: these are the store's messages.
  private static final Logger log = LoggerFactory.getLogger(FileKeyStore.class);

  private final Path file;
  private final Clock clock;
  private final Duration staleAfter;
  private String lastError; // the watcher thread's last report
  // Set when a refresh fails, cleared when one succeeds; written by the watcher only.
  private volatile Instant unreadableSince;
  private final AtomicBoolean failedClosedTold = new AtomicBoolean();
  private volatile BiConsumer<String, String> listener;

  KeyStoreHealth(Path file, Clock clock, Duration staleAfter) {
    this.file = file;
    this.clock = clock;
    this.staleAfter = staleAfter;
  }

  /** A read succeeded. */
  void readable() {
    lastError = null;
    Instant since = unreadableSince;
    if (since != null) {
      unreadableSince = null;
      failedClosedTold.set(false);
      log.warn("key store {} readable again", file);
      tell("key_store_readable", "key store " + file + " is readable again (since " + since + ")");
    }
  }

  /** A read failed with {@code e}. */
  void unreadable(Exception e) {
    if (!e.toString().equals(lastError)) {
      lastError = e.toString();
      log.error("key store {} unreadable: {}", file, lastError);
    }
    if (unreadableSince == null) {
      Instant now = clock.instant();
      unreadableSince = now;
      tell(
          "key_store_unreadable",
          "key store "
              + file
              + " cannot be read ("
              + e.getMessage()
              + "); the keys last read stay valid until "
              + now.plus(staleAfter)
              + ", then every API key is refused");
    }
    unavailable(); // tells key_store_failed_closed when the bound has passed
  }

  /** See {@link FileKeyStore#unavailable()}. */
  Optional<String> unavailable() {
    Instant since = unreadableSince;
    if (since == null) {
      return Optional.empty();
    }
    Instant until = since.plus(staleAfter);
    if (clock.instant().isBefore(until)) {
      return Optional.empty();
    }
    String why =
        "key store "
            + file
            + " unreadable since "
            + since
            + ", longer than stale-after ("
            + staleAfter
            + "): every API key is refused until it can be read";
    if (failedClosedTold.compareAndSet(false, true)) {
      log.error("{}", why);
      tell("key_store_failed_closed", why);
    }
    return Optional.of(why);
  }

  /** See {@link FileKeyStore#onHealth}. */
  void listener(BiConsumer<String, String> listener) {
    this.listener = listener;
  }

  private void tell(String reason, String detail) {
    BiConsumer<String, String> l = listener;
    if (l != null) {
      l.accept(reason, detail);
    }
  }
}
