package dev.tako.protocol.deps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class InstallKeyTest {
  private static final byte[] LOCK = "{\"lockfileVersion\":3}".getBytes(StandardCharsets.UTF_8);
  private static final String DEPS = "{\"dependencies\":{\"express\":\"^4.21.2\"}}";

  private static String key(byte[] lock, String deps, PackageManager pm, String runtime) {
    return InstallKey.of(lock, deps, pm, runtime);
  }

  @Test
  void sameInputsSameKey() {
    String k = key(LOCK, DEPS, PackageManager.NPM, "v20.19.2");
    assertEquals(k, key(LOCK.clone(), DEPS, PackageManager.NPM, "v20.19.2\n"));
    assertEquals(64, k.length());
    assertTrue(k.matches("[0-9a-f]{64}"));
  }

  @Test
  void eachPartChangesTheKey() {
    String k = key(LOCK, DEPS, PackageManager.NPM, "v20.19.2");
    assertNotEquals(
        k, key("{}".getBytes(StandardCharsets.UTF_8), DEPS, PackageManager.NPM, "v20.19.2"));
    assertNotEquals(k, key(LOCK, "{}", PackageManager.NPM, "v20.19.2"));
    assertNotEquals(k, key(LOCK, DEPS, PackageManager.PNPM, "v20.19.2"));
    assertNotEquals(k, key(LOCK, DEPS, PackageManager.NPM, "v22.1.0"));
    assertNotEquals(k, key(null, DEPS, PackageManager.NPM, "v20.19.2"));
    assertFalse(
        key(new byte[0], DEPS, PackageManager.NPM, "v")
            .equals(key(null, DEPS, PackageManager.NPM, "v")));
  }

  @Test
  void onlyDependencyFieldsOfPackageJsonCount() throws Exception {
    PackageJson a =
        PackageJson.parse(
            "{\"name\":\"a\",\"version\":\"1.0.0\",\"scripts\":{\"start\":\"node a.js\"},"
                + "\"dependencies\":{\"express\":\"^4\"},\"devDependencies\":{\"jest\":\"1\"}}");
    PackageJson b =
        PackageJson.parse(
            "{\"name\":\"b\",\"version\":\"2.0.0\",\"dependencies\":{\"express\":\"^4\"}}");
    PackageJson c = PackageJson.parse("{\"dependencies\":{\"express\":\"^5\"}}");
    assertEquals(a.dependencyFields(), b.dependencyFields());
    assertNotEquals(a.dependencyFields(), c.dependencyFields());
  }
}
