package dev.lmgate.spi;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The filters a gateway can build, by id, in the order the reference lists them. Immutable: {@link
 * #with} makes a new registry (a test adds its own filter without touching the built-in one).
 */
public final class FilterRegistry {
  private final Map<String, FilterFactory> factories;

  private FilterRegistry(Map<String, FilterFactory> factories) {
    this.factories = factories;
  }

  /** A registry of {@code factories}; two with the same id are a programming error. */
  public static FilterRegistry of(List<FilterFactory> factories) {
    return new FilterRegistry(Map.of()).with(factories.toArray(FilterFactory[]::new));
  }

  /** This registry and {@code more}, listed after the others. */
  public FilterRegistry with(FilterFactory... more) {
    Map<String, FilterFactory> all = new LinkedHashMap<>(factories);
    for (FilterFactory f : more) {
      FilterDescription d = f.describe();
      if (all.putIfAbsent(d.id(), f) != null) {
        throw new IllegalArgumentException("two filters are registered as " + d.id());
      }
    }
    for (FilterFactory f : all.values()) {
      for (String before : f.describe().after()) {
        if (!all.containsKey(before)) {
          throw new IllegalArgumentException(
              f.describe().id() + " must follow " + before + ", which is not registered");
        }
      }
    }
    return new FilterRegistry(all);
  }

  public Optional<FilterFactory> factory(String id) {
    return Optional.ofNullable(factories.get(id));
  }

  /** The description of a registered filter. */
  public Optional<FilterDescription> description(String id) {
    return factory(id).map(FilterFactory::describe);
  }

  public List<String> ids() {
    return List.copyOf(factories.keySet());
  }

  /** Every filter's description, in registration order. */
  public List<FilterDescription> descriptions() {
    List<FilterDescription> out = new ArrayList<>(factories.size());
    factories.values().forEach(f -> out.add(f.describe()));
    return out;
  }
}
