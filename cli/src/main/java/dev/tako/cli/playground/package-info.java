/**
 * {@code tako playground}: nodes of several regions on this machine, each with its own home, ports
 * and loopback address (127.0.0.N), reached by the CLI through its embedded SSH endpoint like a
 * real server; the WAN emulation ({@code --wan}, {@code partition}, {@code heal}) is a relay
 * process of plain NIO in front of every node's cluster and SSH ports. May use {@code cli} and
 * {@code protocol}; nodes run as separate processes of the node distribution.
 */
package dev.tako.cli.playground;
