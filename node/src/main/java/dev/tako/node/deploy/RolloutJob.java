package dev.tako.node.deploy;

import dev.tako.protocol.api.DeployRequest;
import dev.tako.protocol.api.SecretsRequest;
import java.util.List;

/**
 * What a {@link Rollout} rolls out: a release ({@code tako deploy}, {@code tako rollback}) or a
 * secret set ({@code tako secrets sync}), to the app/env and servers its {@link Scope} names.
 */
public sealed interface RolloutJob {

  /** The app/env, the servers in rollout order, and who asked. */
  record Scope(String app, String env, List<String> servers, String by) {}

  Scope scope();

  /** The release deployed, or null when each server restarts its own current one. */
  String release();

  Strategy strategy();

  /** {@code tako deploy} and {@code tako rollback}: a release. */
  record Deploy(DeployRequest request) implements RolloutJob {
    public Scope scope() {
      return new Scope(request.app(), request.env(), request.servers(), request.by());
    }

    public String release() {
      return request.release();
    }

    public Strategy strategy() {
      return Strategy.of(request.strategy());
    }
  }

  /**
   * {@code tako secrets sync}: every server stores the secrets (sealed under its node key), then,
   * with {@code restart}, restarts its current release with them, atomically.
   */
  record SecretsSync(SecretsRequest request) implements RolloutJob {
    public Scope scope() {
      return new Scope(request.app(), request.env(), request.servers(), request.by());
    }

    public String release() {
      return null;
    }

    public Strategy strategy() {
      return Strategy.ATOMIC;
    }
  }
}
