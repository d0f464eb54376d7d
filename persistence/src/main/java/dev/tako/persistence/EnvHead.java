package dev.tako.persistence;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.tako.protocol.CborSerializable;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The head of an environment: the one release every server of an app/env should serve, as the last
 * successful deploy, rollback or secrets sync decided it. Nodes gossip heads to each other and keep
 * the greater one per app/env ({@link #ORDER}); servers that run something else catch up to it (see
 * {@code dev.tako.node.converge}).
 *
 * <p>Ordering is a total, pure rule so that every node picks the same head from the same set,
 * whatever order the heads arrived in: the higher {@code generation} wins (a coordinator sets it to
 * one more than the highest generation it knows, so a decision made with knowledge of another wins
 * over it); at equal generation (two sides of a partition that each deployed) the later {@code
 * decidedAtMillis} by its coordinator's clock wins; at equal time the greater coordinator name.
 * Clocks only break ties between decisions that did not know of each other, so a skewed clock can
 * at worst pick the other side of a split, never undo a decision made later with knowledge of it.
 *
 * <p>Also a journal record of {@link NodeLedger}: its {@code JsonProperty} names are its schema and
 * must never be renamed.
 *
 * @param servers the environment's servers the release was decided for (those that converge to it)
 * @param generation one more than the highest generation its coordinator knew for the app/env
 * @param decidedAtMillis the coordinator's clock when the rollout succeeded
 * @param decidedBy the coordinating server
 * @param kind {@link #DEPLOY}, {@link #ROLLBACK}, {@link #SECRETS} or {@link #DELETED}
 * @param secretsDigest the digest of the secret set the release runs with (null: no secrets known)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record EnvHead(
    @JsonProperty("app") String app,
    @JsonProperty("env") String env,
    @JsonProperty("release") String release,
    @JsonProperty("artifactSha256") String artifactSha256,
    @JsonProperty("servers") List<String> servers,
    @JsonProperty("generation") long generation,
    @JsonProperty("decidedAtMillis") long decidedAtMillis,
    @JsonProperty("decidedBy") String decidedBy,
    @JsonProperty("kind") String kind,
    @JsonProperty("secretsDigest") String secretsDigest)
    implements CborSerializable {

  public static final String DEPLOY = "deploy";
  public static final String ROLLBACK = "rollback";
  public static final String SECRETS = "secrets";

  /**
   * {@code tako delete}: the app/env is gone from the environment; a server that still has it (it
   * was unreachable during the delete) removes it when it is back. The release is the one it had.
   */
  public static final String DELETED = "deleted";

  /** Whether this head removes the app/env (see {@link #DELETED}). */
  public boolean deleted() {
    return DELETED.equals(kind);
  }

  /** Higher generation, then later decision, then greater coordinator name. */
  public static final Comparator<EnvHead> ORDER =
      Comparator.comparingLong(EnvHead::generation)
          .thenComparingLong(EnvHead::decidedAtMillis)
          .thenComparing(h -> h.decidedBy() == null ? "" : h.decidedBy());

  public EnvHead {
    Objects.requireNonNull(app, "app");
    Objects.requireNonNull(env, "env");
    Objects.requireNonNull(release, "release");
    servers = servers == null ? List.of() : List.copyOf(servers);
  }

  /** The ledger's key of this head's app/env. */
  public String key() {
    return NodeLedger.State.key(app, env);
  }

  /** True when this head wins over {@code other} (always over none). */
  public boolean greaterThan(EnvHead other) {
    return other == null || ORDER.compare(this, other) > 0;
  }

  /** The greater of two heads of one app/env (either may be null). */
  public static EnvHead max(EnvHead a, EnvHead b) {
    if (a == null) {
      return b;
    }
    return b != null && b.greaterThan(a) ? b : a;
  }

  /** This head's decision as a user reads it: "deploy r… (generation 3, by la)". */
  @Override
  public String toString() {
    return kind
        + " "
        + release
        + " of "
        + key()
        + " (generation "
        + generation
        + ", by "
        + decidedBy
        + " at "
        + decidedAtMillis
        + ")";
  }
}
