package io.fanout.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.fanout.broker.TopicKind;
import io.fanout.broker.TopicName;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;

/**
 * Redis Cluster (redis-cluster://): channels and shard channels travel as shard channels
 * (SPUBLISH / SSUBSCRIBE), so each lives on the master that owns its slot and the backplane
 * grows with the number of shards.
 *
 * <p>Routing is ours, not Lettuce's: for each shard channel local clients want, the link
 * SSUBSCRIBEs on a connection to the master that owns the channel's slot in the current
 * topology, and remembers that owner ({@link #owner}). Every tick it compares with the
 * topology Lettuce keeps fresh (periodic and adaptive refresh: MOVED, reconnects) and moves
 * subscriptions whose slot has moved or whose master failed over. When Redis itself pushes a
 * SUNSUBSCRIBE (the slot left that node), or an SSUBSCRIBE answers MOVED, the owner is
 * forgotten and the topology refreshed, so the next tick subscribes at the new owner.
 * Messages from a connection that is not the channel's current owner are ignored, so a
 * subscription left behind on an old master (it may come back as a replica) cannot
 * deliver a message twice.
 *
 * <p>Patterns: SPUBLISH messages never reach PSUBSCRIBE, and a pattern may match channels
 * on every shard. So pattern subscriptions are classic PSUBSCRIBEs on one cluster node, and
 * every channel message is also sent with a classic PUBLISH, which Redis Cluster broadcasts
 * to all nodes over its bus. That costs a second command per message and bus traffic on
 * every shard (docs/SCALING.md measures it); it is what keeps patterns correct.
 *
 * <p>Publishing is routed by us too: each SPUBLISH goes to the connection to its slot's
 * master ({@link #publisherFor}), opened on the link thread before anything is written on it.
 * Lettuce's own routing would open a node's connection lazily and park the commands written
 * meanwhile as callbacks on the pending connect, which run in no reliable order (and race
 * with the commands written once the connection is up): a burst's first messages overtook
 * each other. One channel = one slot = one master = one connection, written only by the
 * link thread in queue order, so one publisher's order holds per channel.
 *
 * <p>Threads: the link thread; {@link #owner} is also read by Lettuce I/O threads.
 */
final class ShardedBackplane extends RedisBackplane {
    private RedisClusterClient client;
    private StatefulRedisClusterConnection<byte[], byte[]> pub;
    private StatefulRedisClusterPubSubConnection<byte[], byte[]> classic;
    private Inbound classicInbound;
    /** The one master that classic PUBLISHes (the pattern copies) go through. */
    private volatile StatefulRedisConnection<byte[], byte[]> busNode;
    private String busNodeId;
    /** Redis node id → the connection SPUBLISHes to that master go on; link thread only. */
    private final Map<String, StatefulRedisConnection<byte[], byte[]>> publishers = new HashMap<>();
    /** Redis node id → when connecting to it for publishing last failed (nanoTime); link thread. */
    private final Map<String, Long> publisherFailedAt = new HashMap<>();
    private static final long PUBLISHER_RETRY_NANOS = 5_000_000_000L;
    /** After a MOVED answer to an SPUBLISH: no second topology refresh before this (nanoTime). */
    private volatile long nextMovedRefreshNanos = System.nanoTime();
    /** Redis node id → our pub/sub connection to it and its listener. */
    private final Map<String, NodeLink> nodes = new ConcurrentHashMap<>();
    /**
     * Connections to nodes that are no longer masters (failed over, removed). Lettuce keeps
     * them reconnecting; they no longer count for link_up, and a node that becomes master
     * again gets its old connection (and listener) back, never a second listener.
     */
    private final Map<String, NodeLink> retired = new ConcurrentHashMap<>();
    /** Shard channel (prefixed) → Redis node id it is subscribed on. */
    private final Map<TopicName, String> owner = new ConcurrentHashMap<>();
    /** Nodes with pattern subscribers say so here (classic pub/sub), every second. */
    private final byte[] controlChannel;
    private static final long PATTERN_INTEREST_TTL_NANOS = 3_000_000_000L;
    private static final long ANNOUNCE_INTERVAL_NANOS = 1_000_000_000L;
    /** Until when some other node is known to hold a pattern: send classic copies till then. */
    private volatile long remotePatternsUntilNanos = System.nanoTime();
    private long nextAnnounceNanos = System.nanoTime();

    private record NodeLink(StatefulRedisPubSubConnection<byte[], byte[]> connection, Inbound inbound) {
    }

    /** Accepts a shard message only from the connection to the channel's current owner. */
    private final class NodeInbound extends Inbound {
        NodeInbound(String redisNodeId) {
            super(ShardedBackplane.this.link, redisNodeId);
        }

        @Override
        boolean acceptsShardMessage(byte[] shardChannel) {
            return redisNodeId.equals(owner.get(new TopicName(shardChannel)));
        }

        @Override
        public void sunsubscribed(byte[] channel, long count) {
            super.sunsubscribed(channel, count);
            TopicName name = new TopicName(channel);
            link.post(() -> onShardUnsubscribed(name, redisNodeId));
        }
    }

    /**
     * The classic connection carries only pattern messages here; Lettuce may also hand it
     * copies of what node connections receive, which their own listeners deliver.
     */
    private final class PatternInbound extends Inbound {
        PatternInbound() {
            super(ShardedBackplane.this.link, null);
        }

        @Override
        public void message(byte[] channel, byte[] message) {
            // Only the control channel is SUBSCRIBEd here: another node holds patterns.
            if (java.util.Arrays.equals(channel, controlChannel) && message.length == 8
                    && java.nio.ByteBuffer.wrap(message).getLong() != link.nodeId) {
                remotePatternsUntilNanos = System.nanoTime() + PATTERN_INTEREST_TTL_NANOS;
            }
        }

        @Override
        boolean acceptsShardMessage(byte[] shardChannel) {
            return false;
        }
    }

    ShardedBackplane(ClusterLink link) {
        super(link);
        this.controlChannel = ClusterLink.concat(link.config.prefix().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                "\0fanout-patterns".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    /** True while another node announced pattern subscribers in the last 3 s. */
    boolean sendsPatternCopies() {
        return System.nanoTime() - remotePatternsUntilNanos < 0;
    }

    /** While this node has pattern subscribers: tell the others, at most once a second. */
    private void maybeAnnouncePatterns(boolean now) {
        StatefulRedisConnection<byte[], byte[]> bus = busNode;
        if (bus == null || !bus.isOpen() || link.wantedNames(SubKey.Type.PATTERN).isEmpty()) {
            return;
        }
        if (!now && System.nanoTime() - nextAnnounceNanos < 0) {
            return;
        }
        nextAnnounceNanos = System.nanoTime() + ANNOUNCE_INTERVAL_NANOS;
        bus.async().publish(controlChannel, java.nio.ByteBuffer.allocate(8).putLong(link.nodeId).array());
        bus.flushCommands();
    }

    @Override
    void connect() {
        client = RedisClusterClient.create(resources, link.config.uri().nodes());
        ClusterTopologyRefreshOptions refresh = ClusterTopologyRefreshOptions.builder()
                .enablePeriodicRefresh(Duration.ofSeconds(2))
                .enableAllAdaptiveRefreshTriggers()
                .adaptiveRefreshTriggersTimeout(Duration.ofMillis(500))
                .build();
        ClusterClientOptions.Builder b = ClusterClientOptions.builder().topologyRefreshOptions(refresh);
        options(b);
        client.setOptions(b.build());
        client.addListener(stateListener);
        try {
            pub = client.connect(ByteArrayCodec.INSTANCE);
            pub.setAutoFlushCommands(false);
            classic = client.connectPubSub(ByteArrayCodec.INSTANCE);
            classicInbound = new PatternInbound();
            classic.addListener(classicInbound);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        classic.async().subscribe(controlChannel);
        for (byte[] p : link.wantedNames(SubKey.Type.PATTERN)) {
            ClusterLink.command(classic.async(), SubKey.Type.PATTERN, true, p);
        }
        tick();
    }

    @Override
    void publish(ClusterLink.Outbound m) throws InterruptedException {
        StatefulRedisConnection<byte[], byte[]> to = publisherFor(m.redisChannel());
        if (to == null) {
            countLinkDown(); // slot not covered, or its master cannot be reached right now
        } else {
            if (!acquireSlot()) {
                return;
            }
            track(to.async().spublish(m.redisChannel(), m.envelope()), true);
        }
        StatefulRedisConnection<byte[], byte[]> bus = busNode;
        if (m.kind() == TopicKind.CHANNEL && bus != null && bus.isOpen() && sendsPatternCopies()) {
            // The copy for pattern subscribers, broadcast over the cluster bus; counted once,
            // above. Always through the same node, so the bus keeps one publisher's order.
            if (!acquireSlot()) {
                return;
            }
            track(bus.async().publish(m.redisChannel(), m.envelope()), false);
        }
    }

    @Override
    void flush() {
        for (StatefulRedisConnection<byte[], byte[]> c : publishers.values()) {
            c.flushCommands();
        }
        StatefulRedisConnection<byte[], byte[]> bus = busNode;
        if (bus != null && !publishers.containsValue(bus)) {
            bus.flushCommands();
        }
    }

    /**
     * The connection to the master of the channel's slot in the current topology, or null.
     * Not Lettuce's routing (see the class comment): a connection we opened ourselves, in
     * full, before the first command is written on it, so commands go out in the order the
     * link thread writes them.
     */
    private StatefulRedisConnection<byte[], byte[]> publisherFor(byte[] shardChannel) {
        RedisClusterNode master = client.getPartitions().getMasterBySlot(SlotHash.getSlot(shardChannel));
        return master == null ? null : publisher(master.getNodeId());
    }

    /**
     * Our publishing connection to one master; opened here, on the link thread, waiting at
     * most the connect timeout (never on an event loop). {@link #tick} opens them for every
     * master ahead of need, so a publish normally finds its connection ready. A node that
     * could not be reached is not tried again for 5 s: its messages count as link_down.
     */
    private StatefulRedisConnection<byte[], byte[]> publisher(String redisNodeId) {
        StatefulRedisConnection<byte[], byte[]> c = publishers.get(redisNodeId);
        if (c != null && c.isOpen()) {
            return c;
        }
        publishers.remove(redisNodeId); // closed: Lettuce dropped the node from its topology
        Long failedAt = publisherFailedAt.get(redisNodeId);
        if (failedAt != null && System.nanoTime() - failedAt < PUBLISHER_RETRY_NANOS) {
            return null;
        }
        try {
            c = pub.getConnection(redisNodeId);
            c.setAutoFlushCommands(false); // the link thread flushes once per batch
            publishers.put(redisNodeId, c);
            publisherFailedAt.remove(redisNodeId);
            return c;
        } catch (RuntimeException e) {
            publisherFailedAt.put(redisNodeId, System.nanoTime());
            ClusterLink.LOG.warn("[CLUSTER]   cannot connect to redis cluster node {}: {}", redisNodeId,
                    ClusterLink.rootMessage(e));
            return null;
        }
    }

    /** Opens the publishing connection to every live master that has none yet. */
    private void openPublishers() {
        for (RedisClusterNode n : client.getPartitions()) {
            if (n.is(RedisClusterNode.NodeFlag.UPSTREAM) && !n.is(RedisClusterNode.NodeFlag.FAIL)
                    && !n.is(RedisClusterNode.NodeFlag.EVENTUAL_FAIL) && !publishers.containsKey(n.getNodeId())) {
                publisher(n.getNodeId());
            }
        }
    }

    /**
     * A direct connection gets MOVED as an error, not a redirect (a redirect would reorder):
     * the message is counted as an error and the topology refreshed, at most twice a second,
     * so the next message goes to the slot's new master.
     */
    @Override
    void onPublishFailed(Throwable e) {
        String message = e.getMessage();
        long now = System.nanoTime();
        if (message != null && message.startsWith("MOVED") && now - nextMovedRefreshNanos >= 0) {
            nextMovedRefreshNanos = now + 500_000_000L;
            link.post(() -> client.refreshPartitionsAsync());
        }
    }

    @Override
    void subscribe(SubKey key) {
        if (key.type() == SubKey.Type.PATTERN) {
            if (classic.isOpen()) {
                ClusterLink.command(classic.async(), SubKey.Type.PATTERN, true, key.redisName().bytes());
            }
            maybeAnnouncePatterns(true);
        } else {
            follow(key.redisName());
        }
    }

    @Override
    void unsubscribe(SubKey key) {
        if (key.type() == SubKey.Type.PATTERN) {
            if (classic.isOpen()) {
                ClusterLink.command(classic.async(), SubKey.Type.PATTERN, false, key.redisName().bytes());
            }
            return;
        }
        String was = owner.remove(key.redisName());
        NodeLink n = was == null ? null : nodes.get(was);
        if (n != null && n.connection().isOpen()) {
            n.connection().async().sunsubscribe(key.redisName().bytes());
        }
    }

    /** Moves every wanted shard channel to its slot's current master when that changed. */
    @Override
    void tick() {
        openPublishers();
        pickBusNode();
        maybeAnnouncePatterns(false);
        retireFormerMasters();
        for (SubKey k : new ArrayList<>(link.wanted)) {
            if (k.type() == SubKey.Type.SHARD) {
                follow(k.redisName());
            }
        }
    }

    /** Keeps {@link #busNode} on a live master (the first in the topology). */
    private void pickBusNode() {
        StatefulRedisConnection<byte[], byte[]> current = busNode;
        if (current != null && current.isOpen() && busNodeId != null
                && client.getPartitions().getPartitionByNodeId(busNodeId) != null
                && client.getPartitions().getPartitionByNodeId(busNodeId).is(RedisClusterNode.NodeFlag.UPSTREAM)) {
            return;
        }
        for (RedisClusterNode n : client.getPartitions()) {
            if (n.is(RedisClusterNode.NodeFlag.UPSTREAM) && !n.is(RedisClusterNode.NodeFlag.FAIL)) {
                // The same connection as that master's SPUBLISHes (one per node).
                StatefulRedisConnection<byte[], byte[]> c = publisher(n.getNodeId());
                if (c == null) {
                    continue; // try the next master
                }
                if (current != null && current != c) {
                    forget(current); // a dead master's connection no longer counts for link_up
                }
                busNode = c;
                busNodeId = n.getNodeId();
                return;
            }
        }
    }

    private void follow(TopicName channel) {
        RedisClusterNode master = client.getPartitions().getMasterBySlot(SlotHash.getSlot(channel.bytes()));
        if (master == null) {
            return; // slot not covered right now; a later tick retries
        }
        String target = master.getNodeId();
        String current = owner.get(channel);
        if (target.equals(current)) {
            return;
        }
        NodeLink to = nodeLink(target);
        if (to == null) {
            return;
        }
        NodeLink from = current == null ? null : nodes.get(current);
        owner.put(channel, target);
        if (from != null && from.connection().isOpen()) {
            from.connection().async().sunsubscribe(channel.bytes());
        }
        to.connection().async().ssubscribe(channel.bytes()).whenComplete((ok, e) -> {
            if (e != null) {
                // MOVED (our topology is old) or the node is down: forget, refresh, retry.
                link.post(() -> {
                    owner.remove(channel, target);
                    client.refreshPartitionsAsync();
                });
            }
        });
    }

    /** Connections to nodes that stopped being masters and own none of our channels. */
    private void retireFormerMasters() {
        for (Map.Entry<String, NodeLink> e : nodes.entrySet()) {
            RedisClusterNode n = client.getPartitions().getPartitionByNodeId(e.getKey());
            boolean master = n != null && n.is(RedisClusterNode.NodeFlag.UPSTREAM) && !n.is(RedisClusterNode.NodeFlag.FAIL);
            if (!master && !owner.containsValue(e.getKey())) {
                nodes.remove(e.getKey());
                retired.put(e.getKey(), e.getValue());
                forget(e.getValue().connection());
                ClusterLink.LOG.info("[CLUSTER]   redis cluster node {} is no longer a master; its connection is retired",
                        e.getKey());
            }
        }
    }

    private NodeLink nodeLink(String redisNodeId) {
        NodeLink n = nodes.get(redisNodeId);
        if (n != null) {
            return n;
        }
        n = retired.remove(redisNodeId);
        if (n != null) {
            nodes.put(redisNodeId, n);
            return n;
        }
        try {
            StatefulRedisPubSubConnection<byte[], byte[]> c = classic.getConnection(redisNodeId);
            NodeInbound in = new NodeInbound(redisNodeId);
            c.addListener(in);
            n = new NodeLink(c, in);
            nodes.put(redisNodeId, n);
            return n;
        } catch (RuntimeException e) {
            ClusterLink.LOG.warn("[CLUSTER]   cannot connect to redis cluster node {}: {}", redisNodeId,
                    ClusterLink.rootMessage(e));
            return null;
        }
    }

    /** Redis said SUNSUBSCRIBE: ours (moved, or no longer wanted) or the slot left the node. */
    private void onShardUnsubscribed(TopicName channel, String redisNodeId) {
        if (link.wanted.contains(new SubKey(SubKey.Type.SHARD, channel)) && redisNodeId.equals(owner.get(channel))) {
            ClusterLink.LOG.info("[CLUSTER]   slot moved: redis unsubscribed shard_channel={}, following the new owner",
                    channel);
            owner.remove(channel, redisNodeId);
            client.refreshPartitionsAsync();
        }
    }

    @Override
    boolean isOurs(Object connection) {
        if (connection == pub || connection == classic || connection == busNode) {
            return true;
        }
        for (NodeLink n : nodes.values()) {
            if (n.connection() == connection) {
                return true;
            }
        }
        return false;
    }

    @Override
    String role(Object connection) {
        return connection == pub ? "publish" : connection == classic ? "patterns" : connection == busNode ? "bus" : "shard";
    }

    @Override
    boolean confirmed(SubKey key) {
        if (key.type() == SubKey.Type.PATTERN) {
            return classicInbound != null && classicInbound.confirmed.contains(key);
        }
        String o = owner.get(key.redisName());
        NodeLink n = o == null ? null : nodes.get(o);
        return n != null && n.inbound().confirmed.contains(key);
    }

    @Override
    void onReconnected(Object connection) {
        if (connection == classic) {
            link.post(() -> {
                classic.async().subscribe(controlChannel);
                List<byte[]> patterns = link.wantedNames(SubKey.Type.PATTERN);
                if (!patterns.isEmpty()) {
                    ClusterLink.command(classic.async(), SubKey.Type.PATTERN, true, patterns.toArray(new byte[0][]));
                }
                ClusterLink.logResubscribed(describe(connection), 0, patterns.size(), 0);
            });
            return;
        }
        for (Map.Entry<String, NodeLink> e : nodes.entrySet()) {
            if (e.getValue().connection() == connection) {
                String id = e.getKey();
                link.post(() -> resubscribeNode(id, connection));
            }
        }
    }

    /** Subscribes again, on a node that came back, what it owns (Lettuce may have, too). */
    private void resubscribeNode(String redisNodeId, Object connection) {
        NodeLink n = nodes.get(redisNodeId);
        if (n == null) {
            return;
        }
        int count = 0;
        for (Map.Entry<TopicName, String> e : owner.entrySet()) {
            if (e.getValue().equals(redisNodeId)) {
                n.connection().async().ssubscribe(e.getKey().bytes());
                count++;
            }
        }
        ClusterLink.logResubscribed(describe(connection), 0, 0, count);
    }

    @Override
    void onDisconnected(Object connection) {
        if (connection == classic && classicInbound != null) {
            classicInbound.confirmed.clear();
        }
        for (NodeLink n : nodes.values()) {
            if (n.connection() == connection) {
                n.inbound().confirmed.clear();
            }
        }
    }

    @Override
    void close() {
        if (client != null) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        shutdownResources();
    }
}
