package dev.tako.protocol.config;

import java.util.List;

/**
 * The {@code [build]} table of tako.toml: an optional local build command and which files are
 * packed. Plain data; {@link AppConfigLoader} validates it.
 *
 * @param run shell command line run locally in a copy of the project, or null
 * @param include glob patterns to pack; empty means everything
 * @param exclude glob patterns never packed (on top of .git, .tako, node_modules, .env*)
 */
public record BuildConfig(String run, List<String> include, List<String> exclude) {
  public static final BuildConfig NONE = new BuildConfig(null, List.of(), List.of());

  public BuildConfig {
    include = include == null ? List.of() : List.copyOf(include);
    exclude = exclude == null ? List.of() : List.copyOf(exclude);
  }
}
