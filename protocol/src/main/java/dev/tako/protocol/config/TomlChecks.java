package dev.tako.protocol.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The error collector both TOML loaders share: reads a file into a tree, checks types and keys, and
 * gathers every problem as a {@link ConfigError} instead of stopping at the first. Not thread-safe;
 * one instance per load.
 */
final class TomlChecks {
  static final Pattern DNS_LABEL = Pattern.compile("[a-z][a-z0-9-]{0,62}");
  static final String DNS_LABEL_RULE =
      "a DNS label: lower-case letters, digits and '-', starting with a letter, at most 63"
          + " characters";
  private static final Pattern BARE_KEY = Pattern.compile("[A-Za-z0-9_-]+");
  private static final TomlMapper TOML = new TomlMapper();

  private final String file;
  private final List<ConfigError> errors = new ArrayList<>();

  TomlChecks(String file) {
    this.file = file;
  }

  List<ConfigError> errors() {
    return List.copyOf(errors);
  }

  void throwIfAny() throws ConfigException {
    if (!errors.isEmpty()) {
      throw new ConfigException(errors);
    }
  }

  void add(String keyPath, String value, String message) {
    errors.add(new ConfigError(file, null, keyPath, value, message));
  }

  /**
   * Reads {@code path} as TOML; null (with an error recorded) when unreadable or not TOML.
   *
   * @param missingHint what to say when the file does not exist
   */
  ObjectNode read(Path path, String missingHint) {
    String text;
    try {
      text = Files.readString(path);
    } catch (NoSuchFileException e) {
      add(null, null, "file not found (" + missingHint + ")");
      return null;
    } catch (CharacterCodingException e) {
      add(null, null, "is not UTF-8 text (TOML files are UTF-8)");
      return null;
    } catch (IOException e) {
      add(null, null, "cannot read the file (" + e + ")");
      return null;
    }
    return parse(text);
  }

  /** Parses TOML text; null (with an error carrying the line) on a syntax error. */
  ObjectNode parse(String text) {
    try {
      JsonNode tree = TOML.readTree(text);
      // An empty document parses to a missing node; treat it as an empty table.
      return tree instanceof ObjectNode o ? o : TOML.createObjectNode();
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      Integer line = at != null && at.getLineNr() > 0 ? at.getLineNr() : null;
      errors.add(
          new ConfigError(
              file,
              line,
              null,
              null,
              "invalid TOML: " + e.getOriginalMessage() + " (see https://toml.io for the syntax)"));
      return null;
    }
  }

  /** {@code parent.key}, quoting keys that are not bare TOML keys so the path stays unambiguous. */
  static String path(String parent, String key) {
    String k = BARE_KEY.matcher(key).matches() ? key : quote(key);
    return parent == null || parent.isEmpty() ? k : parent + "." + k;
  }

  static String quote(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x7f) {
            out.append(String.format("\\u%04X", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }

  /** The value as a user would write it: strings quoted, arrays as written, tables by name. */
  static String show(JsonNode v) {
    if (v == null || v.isMissingNode()) {
      return null;
    }
    if (v.isTextual()) {
      return quote(v.textValue());
    }
    if (v.isObject()) {
      return "(a table)";
    }
    return v.toString();
  }

  /** "the string \"x\"", "the number 5", "a table" … for type errors. */
  static String describe(JsonNode v) {
    if (v.isTextual()) {
      return "the string " + quote(v.textValue());
    }
    if (v.isNumber()) {
      return "the number " + v;
    }
    if (v.isBoolean()) {
      return "the boolean " + v;
    }
    if (v.isArray()) {
      return "the array " + v;
    }
    if (v.isObject()) {
      return "a table";
    }
    return "the value " + v;
  }

  void typeError(String keyPath, JsonNode v, String expected, String example) {
    add(
        keyPath,
        show(v),
        "expected " + expected + ", got " + describe(v) + " (example: " + example + ")");
  }

  /** Records every key of {@code table} not in {@code accepted}. */
  void unknownKeys(ObjectNode table, String at, List<String> accepted) {
    for (Map.Entry<String, JsonNode> e : table.properties()) {
      String key = e.getKey();
      if (!accepted.contains(key)) {
        add(
            path(at, key),
            quote(key),
            "unknown key " + quote(key) + " (accepted: " + String.join(", ", accepted) + ")");
      }
    }
  }

  /** The sub-table {@code key}, or null when absent or of the wrong type (error recorded). */
  ObjectNode table(ObjectNode parent, String key, String at, String example) {
    JsonNode v = parent.get(key);
    if (v == null) {
      return null;
    }
    if (!v.isObject()) {
      typeError(path(at, key), v, "a table", example);
      return null;
    }
    return (ObjectNode) v;
  }

  /** A string value, or null when absent or of the wrong type (error recorded). */
  String string(ObjectNode parent, String key, String at, String example) {
    JsonNode v = parent.get(key);
    if (v == null) {
      return null;
    }
    if (!v.isTextual()) {
      typeError(path(at, key), v, "a string", example);
      return null;
    }
    return v.textValue();
  }

  /** A non-blank string value, or null when absent, blank or of the wrong type (error recorded). */
  String nonBlank(ObjectNode parent, String key, String at, String example) {
    String s = string(parent, key, at, example);
    if (s != null && s.isBlank()) {
      add(path(at, key), quote(s), quote(s) + " is empty (example: " + example + ")");
      return null;
    }
    return s;
  }

  /** An integer, or null when absent or not an integer (error recorded). */
  Long integer(ObjectNode parent, String key, String at, String example) {
    JsonNode v = parent.get(key);
    if (v == null) {
      return null;
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      typeError(path(at, key), v, "an integer", example);
      return null;
    }
    return v.longValue();
  }

  /**
   * An array of non-empty strings, or null when absent or invalid (errors recorded).
   *
   * @param allowEmpty whether {@code []} is acceptable
   */
  List<String> strings(
      ObjectNode parent, String key, String at, String example, boolean allowEmpty) {
    JsonNode v = parent.get(key);
    if (v == null) {
      return null;
    }
    String keyPath = path(at, key);
    if (!v.isArray()) {
      typeError(keyPath, v, "an array of strings", example);
      return null;
    }
    List<String> out = new ArrayList<>();
    boolean ok = true;
    for (JsonNode item : v) {
      if (!item.isTextual()) {
        add(
            keyPath,
            show(item),
            "expected strings only, got " + describe(item) + " (example: " + example + ")");
        ok = false;
      } else if (item.textValue().isBlank()) {
        add(keyPath, "\"\"", "\"\" is not allowed: an empty string (example: " + example + ")");
        ok = false;
      } else {
        out.add(item.textValue());
      }
    }
    if (ok && out.isEmpty() && !allowEmpty) {
      add(keyPath, "[]", "[] must not be empty (example: " + example + ")");
      return null;
    }
    return ok ? out : null;
  }

  /**
   * A scalar turned into a var value (numbers and booleans as written), or null if not a scalar.
   */
  static String scalarText(JsonNode v) {
    if (v.isTextual()) {
      return v.textValue();
    }
    if (v.isNumber() || v.isBoolean()) {
      return v.asText();
    }
    return null;
  }

  static boolean isScalar(JsonNode v) {
    return v.isValueNode() && !v.isNull();
  }

  static Iterable<Map.Entry<String, JsonNode>> entries(ObjectNode table) {
    return table.properties();
  }
}
