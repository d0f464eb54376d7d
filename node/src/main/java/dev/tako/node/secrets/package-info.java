/**
 * {@code tako secrets}: this node's key that seals an app's secrets at rest ({@link
 * dev.tako.node.secrets.NodeKey}), which secret set each server holds, and the secrets routes (a
 * sync is a rollout, see {@code deploy}). May use the root package, {@code api}, {@code cluster}
 * and protocol's crypto.
 */
package dev.tako.node.secrets;
