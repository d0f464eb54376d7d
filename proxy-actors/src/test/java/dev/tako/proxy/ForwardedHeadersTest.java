package dev.tako.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ForwardedHeadersTest {
  private static final String UUID4 =
      "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}";

  @Test
  void keepsASaneClientRequestId() {
    assertEquals("abc-123", ForwardedHeaders.requestId("abc-123"));
  }

  @Test
  void replacesAMissingOrUnsafeClientRequestId() {
    for (String unsafe :
        new String[] {null, "", "has space", "x".repeat(201), "a\rb", "a\nb", "a\0b", "é"}) {
      String id = ForwardedHeaders.requestId(unsafe);
      assertTrue(id.matches(UUID4), id);
    }
    assertNotEquals(ForwardedHeaders.requestId(null), ForwardedHeaders.requestId(null));
  }
}
