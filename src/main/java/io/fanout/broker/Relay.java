package io.fanout.broker;

import java.nio.ByteBuffer;

/**
 * What the broker tells a cluster link (package {@code io.fanout.cluster}): which topics this
 * node wants from other nodes, and what its own clients publish. The broker knows nothing
 * about Redis; the link knows nothing about loops' internals.
 *
 * <p>Threads: both methods are called on event-loop threads, possibly several at once. They
 * must return quickly and never block (post to a queue and return).
 */
public interface Relay {
    /**
     * A topic's subscriber count across all loops went 0→1 ({@code interested}) or 1→0.
     * Calls from different loops may arrive out of order; the receiver re-reads
     * {@link Broker#subscriberCount} when it acts, so the last call always converges.
     */
    void interestChanged(TopicKind kind, TopicName topic, boolean interested);

    /**
     * A client of this node published (never called for messages that came from the cluster).
     *
     * @param kind CHANNEL or SHARD
     * @param payload read window of the message, valid during this call only; do not move it
     */
    void relay(TopicKind kind, byte[] channel, ByteBuffer payload);
}
