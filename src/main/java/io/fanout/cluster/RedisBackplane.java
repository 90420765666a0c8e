package io.fanout.cluster;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import io.fanout.broker.TopicKind;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;

/**
 * The Redis side of a {@link ClusterLink}: one Redis ({@link StandaloneBackplane}) or a
 * Redis Cluster with sharded pub/sub ({@link ShardedBackplane}). Everything but the
 * connection-state callbacks runs on the link thread.
 *
 * <p>Shared here: Lettuce's resources (one I/O thread: the link moves bytes, it does not
 * compute), reconnect with full-jitter backoff from 50 ms to 5 s, commands rejected at once
 * while disconnected (so nothing piles up in Lettuce: our own queue is the bounded one), a
 * bound on PUBLISHes in flight, and the connection-state bookkeeping behind the
 * {@code [CLUSTER] lost/connected} lines and {@code fanout_cluster_link_up}.
 */
abstract class RedisBackplane {
    /** PUBLISHes written and not yet answered: pipelining depth of the relay connection. */
    private static final int MAX_IN_FLIGHT = 4096;

    final ClusterLink link;
    final ClientResources resources;
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
    private final Set<Object> down = ConcurrentHashMap.newKeySet();
    private final Map<Object, String> addresses = new ConcurrentHashMap<>();

    RedisBackplane(ClusterLink link) {
        this.link = link;
        this.resources = DefaultClientResources.builder()
                .ioThreadPoolSize(1)
                .computationThreadPoolSize(1)
                .reconnectDelay(Delay.fullJitter(Duration.ofMillis(50), Duration.ofSeconds(5), 100, TimeUnit.MILLISECONDS))
                .build();
    }

    static void options(ClientOptions.Builder b) {
        b.autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder().connectTimeout(Duration.ofSeconds(2)).keepAlive(true).build())
                .timeoutOptions(TimeoutOptions.enabled(Duration.ofSeconds(10)));
    }

    /** Connects; throws if Redis cannot be reached (the link retries with backoff). */
    abstract void connect();

    abstract void publish(ClusterLink.Outbound m) throws InterruptedException;

    abstract void subscribe(SubKey key);

    abstract void unsubscribe(SubKey key);

    /** Every 250 ms on the link thread: follow topology changes (sharded mode). */
    void tick() {
    }

    abstract boolean confirmed(SubKey key);

    abstract void close();

    /** Called on a Lettuce thread after a connection came back; post work to the link thread. */
    abstract void onReconnected(Object connection);

    /** Called on a Lettuce thread when a connection dropped. */
    abstract void onDisconnected(Object connection);

    /** Sends the PUBLISHes written since the last flush (auto-flush is off on the relay connection). */
    abstract void flush();

    /** Waits for a free in-flight slot; false if the link is stopping. */
    boolean acquireSlot() throws InterruptedException {
        if (inFlight.tryAcquire()) {
            return true;
        }
        flush(); // what waits for replies must be on the wire first
        while (!inFlight.tryAcquire(100, TimeUnit.MILLISECONDS)) {
            if (!link.running()) {
                return false;
            }
        }
        return true;
    }

    /** Completion of one relay PUBLISH: frees the slot and counts the outcome. */
    void track(RedisFuture<Long> f, boolean countRelayed) {
        f.whenComplete((receivers, e) -> {
            inFlight.release();
            if (e == null) {
                if (countRelayed) {
                    link.stats.relayedOut.increment();
                }
                return;
            }
            onPublishFailed(e);
            if (countRelayed) {
                ClusterStats.NotRelayed reason = e instanceof RedisCommandExecutionException
                        ? ClusterStats.NotRelayed.ERROR : ClusterStats.NotRelayed.LINK_DOWN;
                link.stats.countNotRelayed(reason);
                link.maybeLogDrop(reason);
            }
        });
    }

    /** A relay PUBLISH failed (Lettuce I/O thread); sharded mode reacts to MOVED. */
    void onPublishFailed(Throwable e) {
    }

    void countLinkDown() {
        link.stats.countNotRelayed(ClusterStats.NotRelayed.LINK_DOWN);
        link.maybeLogDrop(ClusterStats.NotRelayed.LINK_DOWN);
    }

    static boolean isShard(ClusterLink.Outbound m) {
        return m.kind() == TopicKind.SHARD;
    }

    /** Lettuce calls this for every connection of the client (Lettuce I/O threads). */
    final RedisConnectionStateListener stateListener = new RedisConnectionStateListener() {
        @Override
        public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
            addresses.put(connection, address instanceof java.net.InetSocketAddress isa
                    ? isa.getHostString() + ":" + isa.getPort() : String.valueOf(address));
            boolean wasDown = down.remove(connection);
            link.stats.linkUp = down.isEmpty() && link.connected();
            if (wasDown && link.running()) {
                link.onConnectionRestored(describe(connection));
                onReconnected(connection);
            }
        }

        @Override
        public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
            // Lettuce also opens short-lived connections (topology lookups): only ours count.
            if (!link.running() || !isOurs(connection)) {
                return;
            }
            down.add(connection);
            link.stats.linkUp = false;
            link.onConnectionLost(describe(connection));
            onDisconnected(connection);
        }
    };

    /** No connection of ours is down right now. */
    boolean allUp() {
        return down.isEmpty();
    }

    /** The connections the link uses (publish, subscribe, per-node); not Lettuce's helpers. */
    abstract boolean isOurs(Object connection);

    /** Forgets a connection we closed on purpose (it no longer counts for link_up). */
    void forget(Object connection) {
        down.remove(connection);
        addresses.remove(connection);
        link.stats.linkUp = down.isEmpty() && link.connected();
    }

    String describe(Object connection) {
        String a = addresses.get(connection);
        return (a == null ? link.config.uri().redacted() : a) + " conn=" + role(connection);
    }

    /** What a connection is for, in log lines: publish, subscribe, patterns, shard. */
    abstract String role(Object connection);

    void shutdownResources() {
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
