/**
 * The cluster CA on the laptop ({@code $TAKO_HOME/cluster-ca}) and the certificates it issues to
 * nodes for Artery's mutual TLS. May use {@code protocol.tls} and BouncyCastle.
 */
package dev.tako.cli.tls;
