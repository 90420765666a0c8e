package io.fanout.cluster;

import io.fanout.broker.TopicName;

/**
 * One subscription this node holds (or wants) in Redis: the command family and the name as
 * Redis sees it, prefix included. Immutable map key.
 */
record SubKey(Type type, TopicName redisName) {
    enum Type {
        /** SUBSCRIBE, the name is a channel. */
        CHANNEL,
        /** PSUBSCRIBE, the name is a glob (the prefix escaped). */
        PATTERN,
        /** SSUBSCRIBE, the name is a shard channel. */
        SHARD
    }
}
