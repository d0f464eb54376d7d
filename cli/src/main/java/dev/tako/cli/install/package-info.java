/**
 * {@code tako servers add --install}: uploads the node distribution over SFTP, writes node.conf and
 * the node's certificate, starts the node (systemd or detached) and waits until it joined. May use
 * {@code cli.ssh}, {@code cli.tls} and {@code protocol}.
 */
package dev.tako.cli.install;
