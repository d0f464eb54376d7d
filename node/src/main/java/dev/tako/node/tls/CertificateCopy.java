package dev.tako.node.tls;

import dev.tako.protocol.CborSerializable;

/**
 * One server's answer to {@link dev.tako.node.NodeAgent.FetchCertificate}.
 *
 * @param certificate null when this server has none that is not due
 */
public record CertificateCopy(String server, SharedCertificate certificate)
    implements CborSerializable {}
