/**
 * A Tako node: {@link dev.tako.node.Main} and the {@link dev.tako.node.Guardian} that wires it, the
 * {@link dev.tako.node.NodeAgent} (the node's single writer and the door other nodes and the
 * management API talk to) with the state it owns ({@link dev.tako.node.LocalLedger}, {@link
 * dev.tako.node.AppSupervisors}), the management API's top-level routes and token, node.conf's
 * settings, and the small types every feature shares ({@link dev.tako.node.AppEnv}, {@link
 * dev.tako.node.StepResult}). Each user-visible feature lives in its own subpackage, which may use
 * this package, {@code api} and {@code cluster}, and the persistence, protocol, supervisor and
 * proxy modules; features do not use each other except through the NodeAgent's messages.
 */
package dev.tako.node;
