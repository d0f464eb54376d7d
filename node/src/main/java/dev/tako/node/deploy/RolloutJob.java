package dev.tako.node.deploy;

import dev.tako.protocol.api.DeployRequest;
import dev.tako.protocol.api.SecretsRequest;
import java.util.List;

/**
 * What a {@link Rollout} rolls out: a release ({@code tako deploy}, {@code tako rollback}) or a
 * secret set ({@code tako secrets sync}), with the app/env, servers and user they name.
 */
public sealed interface RolloutJob {
  String app();

  String env();

  List<String> servers();

  String by();

  /** The release deployed, or null when each server restarts its own current one. */
  String release();

  Strategy strategy();

  /** {@code tako deploy} and {@code tako rollback}: a release. */
  record Deploy(DeployRequest request) implements RolloutJob {
    public String app() {
      return request.app();
    }

    public String env() {
      return request.env();
    }

    public List<String> servers() {
      return request.servers();
    }

    public String by() {
      return request.by();
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
    public String app() {
      return request.app();
    }

    public String env() {
      return request.env();
    }

    public List<String> servers() {
      return request.servers();
    }

    public String by() {
      return request.by();
    }

    public String release() {
      return null;
    }

    public Strategy strategy() {
      return Strategy.ATOMIC;
    }
  }
}
