/**
 * The CLI's side of {@code tako dev}: it creates the local CA ({@code tako dev trust} installs it
 * in the system and browser stores) and starts the dev session as a process of the node
 * distribution ({@code dev.tako.node.dev.DevMain}), passing signals on and its exit code back. May
 * use {@code protocol} and the JDK; the session itself (supervision, dev proxy) is in {@code node}.
 */
package dev.tako.cli.dev;
