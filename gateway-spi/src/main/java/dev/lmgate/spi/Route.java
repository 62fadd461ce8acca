package dev.lmgate.spi;

import java.util.Objects;

/**
 * A route of the route table.
 *
 * @param id stable kebab-case id used in config, metrics and audit records (e.g. {@code
 *     openai-chat})
 * @param dialect the API family, which decides error shapes and stream framing
 * @param operation what the route does
 */
public record Route(String id, Dialect dialect, Operation operation) {
  public Route {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(dialect, "dialect");
    Objects.requireNonNull(operation, "operation");
  }
}
