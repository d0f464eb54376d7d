package dev.tako.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/** Small Node.js apps written into temp directories, as a user's project would be. */
final class Apps {
  private Apps() {}

  /**
   * An app answering {@code <body>|<server>|<release>} on every path and 200 on /healthz. {@code
   * prelude} is JavaScript run first (e.g. to crash on one server).
   */
  static Path write(Path dir, String name, String body, String prelude, List<String> servers)
      throws IOException {
    Files.createDirectories(dir);
    Files.writeString(
        dir.resolve("server.js"),
        prelude
            + "\nrequire('http').createServer((q, s) => {\n"
            + "  if (q.url === '/healthz') { s.end('ok'); return; }\n"
            + "  s.setHeader('content-type', 'text/plain');\n"
            + "  s.end('"
            + body
            + "|' + process.env.TAKO_SERVER + '|' + process.env.TAKO_RELEASE + '|' + process.env.TAKO_REGION);\n"
            + "}).listen(+process.env.PORT, process.env.HOST);\n");
    Files.writeString(
        dir.resolve("tako.toml"),
        "name = \""
            + name
            + "\"\nruntime = \"node\"\nmain = \"server.js\"\nhealth = \"/healthz\"\n\n"
            + "[envs.production]\nroutes = [\""
            + name
            + ".localhost\"]\nservers = ["
            + servers.stream().map(s -> "\"" + s + "\"").collect(Collectors.joining(", "))
            + "]\n");
    return dir;
  }
}
