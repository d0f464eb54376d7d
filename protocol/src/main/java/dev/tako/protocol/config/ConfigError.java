package dev.tako.protocol.config;

/**
 * One problem found in a configuration file, renderable as the single {@code error:} line of SPEC
 * §2. Owns only the wording of that line; finding problems is the loaders' job.
 *
 * @param file the file name as the user gave it (e.g. {@code tako.toml})
 * @param line 1-based line, or null when unknown (only TOML syntax errors carry one)
 * @param keyPath dotted key path such as {@code envs.production.servers}, or null for the whole
 *     file
 * @param value the offending value as written (strings quoted), or null when absent
 * @param message what is wrong and what is accepted; already contains the value where it helps
 */
public record ConfigError(String file, Integer line, String keyPath, String value, String message) {

  /**
   * {@code error: <file>[: line N][: <keyPath>]: <message>}, always exactly one line (newlines in
   * parser messages are folded) so that scripts can count errors by lines.
   */
  public String render() {
    StringBuilder out = new StringBuilder("error: ").append(file);
    if (line != null) {
      out.append(": line ").append(line);
    }
    if (keyPath != null && !keyPath.isEmpty()) {
      out.append(": ").append(keyPath);
    }
    out.append(": ").append(message.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim());
    return out.toString();
  }
}
