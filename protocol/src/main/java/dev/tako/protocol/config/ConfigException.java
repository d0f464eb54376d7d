package dev.tako.protocol.config;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Thrown when a configuration file is missing or invalid; carries every problem found, not only the
 * first. The CLI prints {@link #getMessage()} (one {@code error:} line per problem) and exits 2.
 */
public final class ConfigException extends Exception {
  private static final long serialVersionUID = 1L;

  private final List<ConfigError> errors;

  public ConfigException(List<ConfigError> errors) {
    super(errors.stream().map(ConfigError::render).collect(Collectors.joining("\n")));
    if (errors.isEmpty()) {
      throw new IllegalArgumentException("a ConfigException needs at least one error");
    }
    this.errors = List.copyOf(errors);
  }

  public ConfigException(ConfigError error) {
    this(List.of(error));
  }

  public List<ConfigError> errors() {
    return errors;
  }
}
