package dev.lmgate.spi;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Creates a filter from its YAML block and says what the filter is. Factories are registered
 * statically (no class-path scanning; one line in the registry) and validate the whole config at
 * load time: the gateway refuses to start, and a hot reload is refused, when a configured filter
 * cannot run.
 */
public interface FilterFactory {

  /** What the filter is: everything outside the filter's own class reads it from here. */
  FilterDescription describe();

  /** The filter id this factory builds, as written in YAML. */
  default String id() {
    return describe().id();
  }

  /**
   * Builds the filter.
   *
   * @param config the filter's own block (without the common keys), holding no key but those the
   *     description names; its path is the block's config path, for error messages
   * @param settings the common settings (action, timeout, on-error)
   * @param env the clock, the security-event sink and state shared across reloads
   */
  GatewayFilter create(ConfigReader config, FilterSettings settings, FilterEnvironment env)
      throws ConfigException;

  /**
   * Builds the filter from its YAML block, refusing a key the description does not name.
   *
   * @param path the config path of this filter's block, for error messages
   * @param config the filter's own settings (the YAML block without the common keys)
   */
  default GatewayFilter create(
      String path, JsonNode config, FilterSettings settings, FilterEnvironment env)
      throws ConfigException {
    return create(new ConfigReader(path, config).only(describe().keys()), settings, env);
  }
}
