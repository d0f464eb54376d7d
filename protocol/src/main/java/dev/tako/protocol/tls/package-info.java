/**
 * Certificate authorities as files, shared by the CLI, which creates the cluster CA and the tako
 * dev CA, and the node, whose dev proxy loads the dev CA and issues leaves from it: PEM reading and
 * writing, the CA directory ({@code ca.key}, {@code ca.crt}) and the certificate builders. Uses the
 * JDK and Bouncy Castle only.
 */
package dev.tako.protocol.tls;
