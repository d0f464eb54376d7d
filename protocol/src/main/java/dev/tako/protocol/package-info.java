/**
 * The contract between the CLI and the nodes, with no Pekko: JSON and CBOR recipes ({@code Json},
 * the {@code CborSerializable} marker), release ids, route patterns and durations. Sub-packages
 * hold the wire records ({@code api}), the tako.toml, inventory and node.conf models ({@code
 * config}), secret sealing ({@code crypto}, {@code secrets}), CA files ({@code tls}) and instance
 * ports ({@code ports}). May use Jackson and BouncyCastle only.
 */
package dev.tako.protocol;
