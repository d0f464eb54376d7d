package dev.tako.supervisor;

import dev.tako.protocol.CborSerializable;

/** Where one ready instance listens: always a loopback host and a port chosen by the node. */
public record Endpoint(String host, int port, String instanceId) implements CborSerializable {}
