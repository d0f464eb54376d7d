package dev.tako.protocol.deps;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What tako reads of an app's {@code package.json}: whether it has dependencies to install, the
 * fields that decide what an install produces (for the install key), {@code scripts.start} and
 * {@code scripts.build}, and the runtimes {@code engines} asks for. A file that is not a JSON
 * object fails to read with an {@link IOException} naming it.
 */
public final class PackageJson {
  /** The fields of package.json that change what a production install puts in node_modules. */
  static final List<String> DEPENDENCY_FIELDS =
      List.of(
          "dependencies",
          "optionalDependencies",
          "peerDependencies",
          "bundleDependencies",
          "bundledDependencies",
          "overrides",
          "resolutions",
          "pnpm",
          "workspaces");

  private static final ObjectMapper JSON = new ObjectMapper();

  private final JsonNode root;

  private PackageJson(JsonNode root) {
    this.root = root;
  }

  /** The package.json of {@code appDir}, or empty when there is none. */
  public static Optional<PackageJson> in(Path appDir) throws IOException {
    Path file = appDir.resolve("package.json");
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    JsonNode root;
    try {
      root = JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new IOException("package.json is not valid JSON: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new IOException("package.json is not a JSON object");
    }
    return Optional.of(new PackageJson(root));
  }

  public static PackageJson parse(String json) throws IOException {
    JsonNode root = JSON.readTree(json);
    if (root == null || !root.isObject()) {
      throw new IOException("package.json is not a JSON object");
    }
    return new PackageJson(root);
  }

  /** Whether a production install has anything to install. */
  public boolean hasDependencies() {
    return nonEmpty("dependencies") || nonEmpty("optionalDependencies");
  }

  /** The dependency fields present, as canonical JSON in a fixed order (for the install key). */
  public String dependencyFields() {
    ObjectNode out = JSON.createObjectNode();
    for (String field : DEPENDENCY_FIELDS) {
      if (root.has(field)) {
        out.set(field, root.get(field));
      }
    }
    return out.toString();
  }

  /** {@code scripts.start}, when set and not blank. */
  public Optional<String> startScript() {
    JsonNode start = root.path("scripts").path("start");
    return start.isTextual() && !start.textValue().isBlank()
        ? Optional.of(start.textValue().strip())
        : Optional.empty();
  }

  /** {@code scripts.build}, when set and not blank: the local build (SPEC §10). */
  public Optional<String> buildScript() {
    JsonNode build = root.path("scripts").path("build");
    return build.isTextual() && !build.textValue().isBlank()
        ? Optional.of(build.textValue().strip())
        : Optional.empty();
  }

  /** Whether a full install (dev dependencies too) has anything to install. */
  public boolean hasAnyDependencies() {
    return hasDependencies() || nonEmpty("devDependencies");
  }

  /**
   * The range {@code engines.<runtime>} asks for ({@code engines.node}, {@code engines.bun}), when
   * set and not blank.
   */
  public Optional<String> engine(String runtime) {
    JsonNode range = root.path("engines").path(runtime);
    return range.isTextual() && !range.textValue().isBlank()
        ? Optional.of(range.textValue().strip())
        : Optional.empty();
  }

  private boolean nonEmpty(String field) {
    JsonNode node = root.get(field);
    return node != null && node.isObject() && node.size() > 0;
  }
}
