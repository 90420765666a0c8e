package io.fanout.broker;

import io.fanout.engine.Connection;

/**
 * One connection's subscription to one topic. Its slot in the topic's subscriber array lets
 * unsubscribing take O(1). Owned by the connection's loop thread.
 */
public final class Subscription {
    final Connection connection;
    final WireForm form;
    final TopicKind kind;
    final TopicName topic;
    int slot = -1;

    public Subscription(Connection connection, WireForm form, TopicKind kind, TopicName topic) {
        this.connection = connection;
        this.form = form;
        this.kind = kind;
        this.topic = topic;
    }

    public TopicName topic() {
        return topic;
    }

    public TopicKind kind() {
        return kind;
    }

    public Connection connection() {
        return connection;
    }
}
