/**
 * The management API's JSON records as the CLI and the node exchange them (deploy request and
 * result, status, logs, releases, rollout events, errors). Wire shapes follow SPEC.md; the node's
 * journal keeps its own types ({@code persistence}), so these may change with the API. May use
 * Jackson.
 */
package dev.tako.protocol.api;
