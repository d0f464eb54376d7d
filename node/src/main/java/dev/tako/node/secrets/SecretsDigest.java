package dev.tako.node.secrets;

import dev.tako.protocol.CborSerializable;

/**
 * One server's answer to {@link dev.tako.node.NodeAgent.GetSecretsDigest}: the digest of the secret
 * set it holds for an app/env, or null when it holds none.
 */
public record SecretsDigest(String server, String digest) implements CborSerializable {}
