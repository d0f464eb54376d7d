package dev.tako.protocol.api;

/**
 * The answer to a {@link RunRequest}: where the one-off command runs and the file that sets it up.
 * The file is a POSIX shell script, readable by the node's user only, that deletes itself, exports
 * the app's environment (vars, secrets, {@code TAKO_*}, no {@code PORT}) and changes into the
 * release directory; sourcing it is the only way to get the environment, so secrets never travel to
 * the CLI nor appear on a command line. It is removed by the node if not used within a minute.
 *
 * @param server the server that wrote it
 * @param release the release whose directory and environment the command gets
 * @param dir the release directory
 * @param envFile the absolute path of the script on that server
 */
public record RunTicket(String server, String release, String dir, String envFile) {}
