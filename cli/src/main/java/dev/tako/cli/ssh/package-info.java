/**
 * SSH and SFTP to servers with SSHJ: targets from the inventory and {@code ~/.ssh/config}, keys,
 * host-key checks against known_hosts, port forwarding to a node's loopback API. May use SSHJ and
 * {@code protocol}.
 */
package dev.tako.cli.ssh;
