package dev.lmgate.spi;

import java.util.Objects;

/**
 * What every filter holds the same way: its id and the settings its config entry gave (action,
 * on-error, timeout). Extend it and implement the phases the filter takes part in; the built-in
 * filters all do.
 */
public abstract class BaseFilter implements GatewayFilter {
  private final String id;
  private final FilterSettings settings;

  protected BaseFilter(String id, FilterSettings settings) {
    this.id = Objects.requireNonNull(id, "id");
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  @Override
  public final String id() {
    return id;
  }

  @Override
  public final FilterSettings settings() {
    return settings;
  }
}
