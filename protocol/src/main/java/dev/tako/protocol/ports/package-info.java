/**
 * Picking loopback ports below the kernel's ephemeral range: for app instances (the supervisor),
 * playground nodes (the CLI) and tests. Plain JDK.
 */
package dev.tako.protocol.ports;
