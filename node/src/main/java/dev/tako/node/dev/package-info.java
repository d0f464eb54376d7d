/**
 * What {@code tako dev} runs, in a process of its own started by the CLI from the node
 * distribution's jars ({@link dev.tako.node.dev.DevMain}): the session of one app (its plan from
 * tako.toml and the development secrets, the app under the nodes' supervisor, its logs and keys on
 * the terminal, the file watch) and the machine's shared dev proxy (the nodes' proxy on 127.0.0.1
 * with leaves of the dev CA, and its registrations). May use protocol, supervisor-actors and
 * proxy-actors; nothing of the node's cluster or API.
 */
package dev.tako.node.dev;
