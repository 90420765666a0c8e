package io.fanout.broker;

/** The three name spaces of Redis Pub/Sub; line clients live in {@link #CHANNEL}. */
public enum TopicKind {
    CHANNEL, PATTERN, SHARD
}
