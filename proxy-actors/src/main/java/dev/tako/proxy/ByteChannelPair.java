package dev.tako.proxy;

import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ReadableByteChannel;

/**
 * The two faces of an upstream connection the pumps use: where the response is read from and where
 * the request is written to (the socket itself, or the TLS session over it).
 */
record ByteChannelPair(ReadableByteChannel in, GatheringByteChannel out) {}
