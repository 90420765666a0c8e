package io.fanout.cluster;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.fanout.broker.TopicName;
import io.lettuce.core.pubsub.RedisPubSubListener;

/**
 * Listener on one Redis pub/sub connection: hands messages to {@link ClusterLink#onInbound}
 * and keeps the set of subscriptions Redis has confirmed on this connection (tests and
 * metrics read it; it is cleared when the connection drops and refilled as the
 * resubscription is confirmed).
 *
 * <p>Threads: Lettuce's I/O thread of that connection calls it, one message after the
 * other, so the order of one Redis connection is the order of delivery.
 */
class Inbound implements RedisPubSubListener<byte[], byte[]> {
    final ClusterLink link;
    /** The Redis Cluster node this connection talks to, or null (standalone, classic). */
    final String redisNodeId;
    final Set<SubKey> confirmed = ConcurrentHashMap.newKeySet();

    Inbound(ClusterLink link, String redisNodeId) {
        this.link = link;
        this.redisNodeId = redisNodeId;
    }

    @Override
    public void message(byte[] channel, byte[] message) {
        link.onInbound(SubKey.Type.CHANNEL, channel, null, message);
    }

    @Override
    public void message(byte[] pattern, byte[] channel, byte[] message) {
        link.onInbound(SubKey.Type.PATTERN, channel, pattern, message);
    }

    @Override
    public void smessage(byte[] shardChannel, byte[] message) {
        if (acceptsShardMessage(shardChannel)) {
            link.onInbound(SubKey.Type.SHARD, shardChannel, null, message);
        }
    }

    /** Sharded mode overrides this: only the connection to the channel's current owner counts. */
    boolean acceptsShardMessage(byte[] shardChannel) {
        return true;
    }

    @Override
    public void subscribed(byte[] channel, long count) {
        confirmed.add(new SubKey(SubKey.Type.CHANNEL, new TopicName(channel)));
    }

    @Override
    public void psubscribed(byte[] pattern, long count) {
        confirmed.add(new SubKey(SubKey.Type.PATTERN, new TopicName(pattern)));
    }

    @Override
    public void ssubscribed(byte[] channel, long count) {
        confirmed.add(new SubKey(SubKey.Type.SHARD, new TopicName(channel)));
    }

    @Override
    public void unsubscribed(byte[] channel, long count) {
        confirmed.remove(new SubKey(SubKey.Type.CHANNEL, new TopicName(channel)));
    }

    @Override
    public void punsubscribed(byte[] pattern, long count) {
        confirmed.remove(new SubKey(SubKey.Type.PATTERN, new TopicName(pattern)));
    }

    @Override
    public void sunsubscribed(byte[] channel, long count) {
        confirmed.remove(new SubKey(SubKey.Type.SHARD, new TopicName(channel)));
    }
}
