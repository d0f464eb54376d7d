package dev.tako.protocol.api;

/** {@code tako run}: the app/env whose environment a one-off command gets on the reached server. */
public record RunRequest(String app, String env) {}
