package dev.tako.node.run;

import dev.tako.node.deploy.ProcessEnvironment;
import dev.tako.persistence.NodeLedger;
import dev.tako.supervisor.ReleaseSpec;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;

/**
 * What a one-off command of an app/env gets on this server: the directory of the current release
 * and the environment its instances get (tako.toml's vars, the secrets opened with this node's key,
 * the {@code TAKO_*} variables) without {@code PORT}, since it serves nothing, plus the few
 * variables of the node's own environment a program expects ({@code PATH}, {@code HOME}, locale,
 * time zone), as the release command gets them. Local only: it never leaves the node (it holds
 * secrets in clear), so it is exempt from serialization. An app/env with no current release here is
 * an {@link #error()}, for the user.
 *
 * @param release the current release, or null with an error
 * @param dir its directory, or null with an error
 * @param env the environment, in a stable order
 * @param error why there is nothing to run, or null
 */
public record RunEnvironment(String release, Path dir, Map<String, String> env, String error)
    implements NoSerializationVerificationNeeded {

  /** The variables taken over from the node's own environment, as for the release command. */
  static final List<String> INHERITED = List.of("PATH", "HOME", "LANG", "LC_ALL", "TZ");

  public RunEnvironment {
    env = env == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(env));
  }

  public static RunEnvironment of(
      NodeLedger.State state,
      ProcessEnvironment processes,
      String server,
      String app,
      String env,
      Map<String, String> nodeEnv) {
    var current = state.app(app, env).flatMap(NodeLedger.AppState::currentRelease);
    if (current.isEmpty()) {
      return new RunEnvironment(
          null,
          null,
          Map.of(),
          app + " (" + env + ") has no current release on " + server + "; deploy it first");
    }
    ReleaseSpec spec = processes.spec(current.get().request(), state);
    Map<String, String> vars = new LinkedHashMap<>();
    for (String name : INHERITED) {
      String value = nodeEnv.get(name);
      if (value != null) {
        vars.put(name, value);
      }
    }
    vars.putAll(spec.environment());
    vars.remove("PORT");
    return new RunEnvironment(spec.release(), spec.releaseDir(), vars, null);
  }
}
