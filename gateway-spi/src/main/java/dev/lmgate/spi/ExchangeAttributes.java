package dev.lmgate.spi;

import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What filters keep for one exchange, by key: it lives exactly as long as the exchange's request
 * view, so a filter needs no map keyed by request id (and cannot leak one by missing a clean-up).
 * Thread-safe: a filter may finish its work off the event loop.
 */
public final class ExchangeAttributes {
  /** A typed key; compared by identity, so each filter owns its keys. */
  public static final class Key<T> {
    private final String name;

    public Key(String name) {
      this.name = Objects.requireNonNull(name, "name");
    }

    @Override
    public String toString() {
      return name;
    }
  }

  private final ConcurrentHashMap<Key<?>, Object> values = new ConcurrentHashMap<>(4);

  /** The value under {@code key}, or null. */
  @SuppressWarnings("unchecked")
  public <T> T get(Key<T> key) {
    return (T) values.get(key);
  }

  public <T> void put(Key<T> key, T value) {
    values.put(key, Objects.requireNonNull(value, "value"));
  }

  /** Removes and returns the value under {@code key}, or null. */
  @SuppressWarnings("unchecked")
  public <T> T remove(Key<T> key) {
    return (T) values.remove(key);
  }
}
