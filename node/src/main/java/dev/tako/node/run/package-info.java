/**
 * One-off commands ({@code tako run}): the environment of an app's current release on this server,
 * handed to the CLI's SSH session as a short-lived owner-only script, never as a command line. May
 * use the node's deploy feature (for the process environment), persistence and protocol.
 */
package dev.tako.node.run;
