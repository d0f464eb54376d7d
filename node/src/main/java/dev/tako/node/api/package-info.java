/**
 * What every management route shares: JSON answers and strict JSON bodies ({@link
 * dev.tako.node.api.ApiDirectives}) and the NDJSON stream of a rollout's events ({@link
 * dev.tako.node.api.RolloutStream}). May use the root package and protocol's API records; knows no
 * feature.
 */
package dev.tako.node.api;
