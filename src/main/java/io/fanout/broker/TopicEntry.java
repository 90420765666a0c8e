package io.fanout.broker;

/**
 * Something filed under a topic name in a {@link TopicTable}: a {@link Subscription} (a
 * connection's own subscription, or a topic's only subscriber on a loop) or a
 * {@link SubscriberList}. The table derives each slot's key from the entry, so a filed
 * subscription costs one array slot and no map node.
 */
abstract class TopicEntry {
    final TopicName topic;

    TopicEntry(TopicName topic) {
        this.topic = topic;
    }
}
