package dev.tako.protocol;

/**
 * Marker for every message that crosses nodes or is written to the journal. The node binds it to
 * Pekko's Jackson CBOR serializer in configuration; this module itself knows nothing of Pekko.
 */
public interface CborSerializable {}
