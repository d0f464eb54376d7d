/**
 * The {@code tako} command's core: picocli wiring ({@code Main}), the exit-code and error rules
 * ({@code CliException}, {@code Output}), the user's state in {@code $TAKO_HOME}, the deploy driver
 * and the HTTP client of the management API reached through an SSH tunnel. May use {@code
 * protocol}, SSHJ, Jackson and BouncyCastle; never Pekko, {@code proxy-actors}, {@code
 * supervisor-actors} or {@code node} (a test scans the compiled classes for them).
 */
package dev.tako.cli;
