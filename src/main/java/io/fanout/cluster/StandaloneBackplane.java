package io.fanout.cluster;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;

/**
 * One Redis (redis:// or rediss://): two connections, one that publishes (PUBLISH for
 * channels and line messages, SPUBLISH for shard channels) and one that subscribes
 * (SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE — standalone Redis 7 has all three name spaces).
 *
 * <p>Resubscription: when the subscriber connection comes back, Lettuce replays what it had,
 * and the link then sends everything local clients hold (idempotent in Redis) and
 * unsubscribes what local clients dropped while the link was down.
 *
 * <p>Threads: the link thread, except the state callbacks (Lettuce threads) which only post.
 */
final class StandaloneBackplane extends RedisBackplane {
    private RedisClient client;
    private StatefulRedisPubSubConnection<byte[], byte[]> sub;
    private StatefulRedisConnection<byte[], byte[]> pub;
    private final Inbound inbound;
    /** Unsubscribed locally while the link was down: Lettuce would replay them; link thread. */
    private final Set<SubKey> staleWhileDown = new HashSet<>();

    StandaloneBackplane(ClusterLink link) {
        super(link);
        this.inbound = new Inbound(link, null);
    }

    @Override
    void connect() {
        client = RedisClient.create(resources, link.config.uri().nodes().get(0));
        ClientOptions.Builder b = ClientOptions.builder();
        options(b);
        client.setOptions(b.build());
        client.addListener(stateListener);
        try {
            sub = client.connectPubSub(ByteArrayCodec.INSTANCE);
            sub.addListener(inbound);
            pub = client.connect(ByteArrayCodec.INSTANCE);
            pub.setAutoFlushCommands(false);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        // Interest that arrived while we were connecting is in link.wanted already.
        resubscribe(false);
    }

    @Override
    void publish(ClusterLink.Outbound m) throws InterruptedException {
        if (!pub.isOpen()) {
            countLinkDown();
            return;
        }
        if (!acquireSlot()) {
            return;
        }
        track(isShard(m) ? pub.async().spublish(m.redisChannel(), m.envelope())
                : pub.async().publish(m.redisChannel(), m.envelope()), true);
    }

    @Override
    void flush() {
        pub.flushCommands();
    }

    @Override
    void subscribe(SubKey key) {
        staleWhileDown.remove(key);
        if (sub.isOpen()) {
            ClusterLink.command(sub.async(), key.type(), true, key.redisName().bytes());
        } // else: the resubscription after the reconnect sends it
    }

    @Override
    void unsubscribe(SubKey key) {
        if (sub.isOpen()) {
            ClusterLink.command(sub.async(), key.type(), false, key.redisName().bytes());
        } else {
            staleWhileDown.add(key);
        }
    }

    @Override
    boolean isOurs(Object connection) {
        return connection == sub || connection == pub;
    }

    @Override
    String role(Object connection) {
        return connection == sub ? "subscribe" : "publish";
    }

    @Override
    boolean confirmed(SubKey key) {
        return inbound.confirmed.contains(key);
    }

    @Override
    void onReconnected(Object connection) {
        if (connection == sub) {
            link.post(() -> resubscribe(true));
        }
    }

    @Override
    void onDisconnected(Object connection) {
        if (connection == sub) {
            inbound.confirmed.clear();
        }
    }

    /** Sends every wanted subscription (one command per family) and drops stale ones. */
    private void resubscribe(boolean log) {
        if (sub == null || !sub.isOpen()) {
            return;
        }
        int[] counts = new int[SubKey.Type.values().length];
        for (SubKey.Type type : SubKey.Type.values()) {
            List<byte[]> names = link.wantedNames(type);
            counts[type.ordinal()] = names.size();
            if (!names.isEmpty()) {
                ClusterLink.command(sub.async(), type, true, names.toArray(new byte[0][]));
            }
        }
        for (SubKey k : staleWhileDown) {
            if (!link.wanted.contains(k)) {
                ClusterLink.command(sub.async(), k.type(), false, k.redisName().bytes());
            }
        }
        staleWhileDown.clear();
        if (log) {
            ClusterLink.logResubscribed(describe(sub), counts[SubKey.Type.CHANNEL.ordinal()],
                    counts[SubKey.Type.PATTERN.ordinal()], counts[SubKey.Type.SHARD.ordinal()]);
        }
    }

    @Override
    void close() {
        if (client != null) {
            client.shutdown(java.time.Duration.ZERO, java.time.Duration.ofSeconds(2));
        }
        shutdownResources();
    }
}
