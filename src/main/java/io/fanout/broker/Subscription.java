package io.fanout.broker;

import io.fanout.engine.Connection;
import io.fanout.engine.Recipient;

/**
 * One connection's subscription to one topic. Its slot in the topic's subscriber array lets
 * unsubscribing take O(1). Owned by the connection's loop thread.
 *
 * <p>It is the only object a subscription costs besides its topic name: the connection's
 * {@link SubscriptionSet} and, while it is a topic's only subscriber on its loop, the loop's
 * topic table file this object itself (see {@link TopicShard}).
 */
public final class Subscription extends TopicEntry implements Recipient {
    final Connection connection;
    final WireForm form;
    final TopicKind kind;
    /** Index in the topic's {@link SubscriberList}; 0 while filed alone; -1 once unsubscribed. */
    int slot = -1;
    /**
     * While filed alone: the (low bits of the) loop turn of its topic's last message. A second
     * message in the same turn is a burst, and the topic becomes a list that batches it.
     */
    int lastTurn = -1;

    public Subscription(Connection connection, WireForm form, TopicKind kind, TopicName topic) {
        super(topic);
        this.connection = connection;
        this.form = form;
        this.kind = kind;
    }

    public TopicName topic() {
        return topic;
    }

    public TopicKind kind() {
        return kind;
    }

    @Override
    public Connection connection() {
        return connection;
    }

    /** Whether the subscription is still in place (false after unsubscribe). */
    public boolean isActive() {
        return slot >= 0;
    }
}
