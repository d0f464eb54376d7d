package dev.tako.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The one ObjectMapper recipe shared by CLI and node: snake_case field names (SPEC §5), nulls kept
 * so that {@code "exit_code": null} is printed. {@link #strict()} rejects unknown fields (requests
 * a node accepts); {@link #lenient()} ignores them (responses a CLI reads: nodes may add fields).
 */
public final class Json {
  private static final ObjectMapper LENIENT = build(false);

  private Json() {}

  /** Built on first use: the CLI never needs it, and a mapper costs a cold JVM some time. */
  private static final class Strict {
    static final ObjectMapper MAPPER = build(true);
  }

  public static ObjectMapper strict() {
    return Strict.MAPPER;
  }

  public static ObjectMapper lenient() {
    return LENIENT;
  }

  private static ObjectMapper build(boolean failOnUnknown) {
    return JsonMapper.builder()
        .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
        .serializationInclusion(JsonInclude.Include.ALWAYS)
        .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, failOnUnknown)
        .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, failOnUnknown)
        .configure(SerializationFeature.FAIL_ON_EMPTY_BEANS, false)
        .build();
  }

  /** Compact JSON text of a value; the records here always serialize. */
  public static String write(Object value) {
    try {
      return LENIENT.writeValueAsString(value);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize " + value.getClass().getSimpleName(), e);
    }
  }
}
