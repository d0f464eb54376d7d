/**
 * The proxy's routes of this node: {@link dev.tako.node.routing.RoutePublisher} keeps the route
 * table in line with the ready instances of each current release. May use the root package,
 * persistence, and the proxy and supervisor modules' messages.
 */
package dev.tako.node.routing;
