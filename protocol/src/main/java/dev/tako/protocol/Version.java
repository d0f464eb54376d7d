package dev.tako.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The product version, stamped into a resource by the build; "dev" when run from an IDE. */
public final class Version {
  public static final String VALUE = load();

  private Version() {}

  private static String load() {
    try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
      if (in == null) {
        return "dev";
      }
      Properties p = new Properties();
      p.load(in);
      String v = p.getProperty("version", "dev");
      return v.startsWith("$") ? "dev" : v;
    } catch (IOException e) {
      return "dev";
    }
  }
}
