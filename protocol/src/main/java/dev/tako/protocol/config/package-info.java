/**
 * tako.toml, the server inventory and node.conf as validated records: every problem found is
 * reported with the file, key path and offending value ({@code ConfigError}). May use Jackson
 * (TOML) only.
 */
package dev.tako.protocol.config;
