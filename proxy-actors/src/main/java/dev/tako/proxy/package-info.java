/**
 * The data plane: the HTTP/1.1 proxy on our own NIO event loops ({@code TcpProxy}, {@code
 * EventLoop}, {@code ProxyConnection} with its {@code RequestTriage}, {@code UpstreamLeg} and
 * {@code ResponseLeg}), the strict RFC 9112 head parser and rewriter ({@code HeadParser}, {@code
 * HeadRewriter}, {@code ChunkedDecoder}), static files, gzip, limits and metrics; the route table
 * actor publishes immutable snapshots that the event loops read without asking an actor. Cold
 * starts are the only per-request actor interaction. May use {@code protocol} and Pekko actors;
 * never Pekko HTTP (only the benchmark's older proxy, in test code, does).
 */
package dev.tako.proxy;
