/**
 * Sealing secret values with AES-256-GCM ({@code SecretBox}), used by the CLI's secrets file and
 * the node's journal. JDK crypto only.
 */
package dev.tako.protocol.crypto;
