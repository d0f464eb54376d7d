package dev.tako.proxy.channels;

public record ChannelKey(String app, String env, String channel) {}
