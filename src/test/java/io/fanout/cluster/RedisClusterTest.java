package io.fanout.cluster;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.fanout.broker.TopicKind;
import io.fanout.protocol.resp.it.RespConnection;
import io.fanout.protocol.resp.it.RespValue;
import io.fanout.testing.Await;
import io.lettuce.core.cluster.SlotHash;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Three fanout nodes over a real three-master Redis Cluster ({@code redis-server
 * --cluster-enabled yes} ×3 joined by {@code redis-cli --cluster create}): channels and
 * shard channels travel as sharded pub/sub, patterns through the cluster bus, and delivery
 * follows a slot that moves to another master.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RedisClusterTest {
    private static final List<RedisNode> masters = new ArrayList<>();
    private static FanoutNodes nodes;

    @BeforeAll
    static void startClusterAndNodes() throws Exception {
        for (int i = 0; i < 3; i++) {
            masters.add(RedisNode.start("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                    "--cluster-node-timeout", "2000"));
        }
        List<String> create = new ArrayList<>(List.of("--cluster", "create"));
        for (RedisNode m : masters) {
            create.add("127.0.0.1:" + m.port());
        }
        create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
        String out = masters.get(0).cli(create.toArray(new String[0]));
        for (RedisNode m : masters) {
            Await.until(() -> clusterOk(m), java.time.Duration.ofSeconds(20), () -> "cluster_state:ok on " + m.port() + "; create said: " + out);
        }
        StringBuilder uri = new StringBuilder("redis-cluster://");
        uri.append("127.0.0.1:").append(masters.get(0).port()).append(",127.0.0.1:").append(masters.get(1).port());
        nodes = FanoutNodes.start(3, ClusterConfig.of(uri.toString()), 1);
    }

    private static boolean clusterOk(RedisNode m) {
        try {
            return m.cli("cluster", "info").contains("cluster_state:ok");
        } catch (Exception e) {
            return false;
        }
    }

    @AfterAll
    static void stopAll() {
        if (nodes != null) {
            nodes.close();
        }
        for (RedisNode m : masters) {
            m.close();
        }
    }

    private static RespConnection subscriber(int node, String... command) throws Exception {
        RespConnection c = nodes.resp(node);
        c.send(command);
        c.read(command.length - 1);
        return c;
    }

    private static List<String> payloadsUntil(RespConnection c, String end) throws Exception {
        List<String> got = new ArrayList<>();
        while (true) {
            RespValue v = c.readOne();
            String p = v.get(v.size() - 1).text();
            if (p.equals(end)) {
                return got;
            }
            got.add(v.get(0).text() + "|" + p);
        }
    }

    private static List<String> expected(String type, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(type + "|m" + i);
        }
        return out;
    }

    @Test
    void channelsAndShardChannelsTravelShardedAndReachEveryNodeOnceInOrder() throws Exception {
        List<RespConnection> channelSubs = new ArrayList<>();
        List<RespConnection> shardSubs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            channelSubs.add(subscriber(i, "SUBSCRIBE", "chat"));
            shardSubs.add(subscriber(i, "SSUBSCRIBE", "orders"));
        }
        nodes.awaitHeld(TopicKind.CHANNEL, "chat", 0, 1, 2);
        nodes.awaitHeld(TopicKind.SHARD, "orders", 0, 1, 2);
        // Each node holds a shard subscription on the owning master, not a classic one.
        RedisNode owner = ownerOf("fanout:chat");
        assertEquals("fanout:chat\n3", owner.cli("pubsub", "shardnumsub", "fanout:chat"));
        RespConnection pub = nodes.resp(1);
        for (int i = 0; i < 100; i++) {
            pub.send("PUBLISH", "chat", "m" + i);
            pub.send("SPUBLISH", "orders", "m" + i);
        }
        pub.send("PUBLISH", "chat", "end");
        pub.send("SPUBLISH", "orders", "end");
        pub.read(202);
        for (RespConnection s : channelSubs) {
            assertEquals(expected("message", 100), payloadsUntil(s, "end"));
        }
        for (RespConnection s : shardSubs) {
            assertEquals(expected("smessage", 100), payloadsUntil(s, "end"));
        }
    }

    /**
     * A node that just linked up publishes a burst to channels on every master at once. Its
     * first message to each master must not be overtaken by the next ones (Lettuce's own
     * routing opened a master's connection on first use and reordered the burst).
     */
    @Test
    void aFreshNodesFirstBurstToEveryMasterArrivesInOrder() throws Exception {
        List<String> channels = new ArrayList<>();
        List<RedisNode> owners = new ArrayList<>();
        for (int i = 0; channels.size() < 3 && i < 1000; i++) {
            RedisNode o = ownerOf("fanout:burst." + i);
            if (!owners.contains(o)) {
                owners.add(o);
                channels.add("burst." + i);
            }
        }
        List<RespConnection> subs = new ArrayList<>();
        for (String ch : channels) {
            subs.add(subscriber(0, "SUBSCRIBE", ch));
            nodes.awaitHeld(TopicKind.CHANNEL, ch, 0);
        }
        // The old flaw was a race (about one run in two): three fresh nodes, one after the other.
        for (int round = 0; round < 3; round++) {
            burstFromAFreshNode(channels, subs);
        }
    }

    private static void burstFromAFreshNode(List<String> channels, List<RespConnection> subs) throws Exception {
        String uri = "redis-cluster://127.0.0.1:" + masters.get(0).port();
        try (FanoutNodes fresh = FanoutNodes.start(1, ClusterConfig.of(uri), 1)) {
            // One write: the whole burst reaches the node's link while its first commands wait.
            java.io.ByteArrayOutputStream burst = new java.io.ByteArrayOutputStream();
            for (int i = 0; i < 300; i++) {
                for (String ch : channels) {
                    burst.writeBytes(RespConnection.command("PUBLISH", ch, "m" + i));
                }
            }
            for (String ch : channels) {
                burst.writeBytes(RespConnection.command("PUBLISH", ch, "end"));
            }
            RespConnection pub = fresh.resp(0);
            pub.send(burst.toByteArray());
            pub.read(channels.size() * 301);
            for (RespConnection s : subs) {
                assertEquals(expected("message", 300), payloadsUntil(s, "end"));
            }
        }
    }

    @Test
    void patternSubscribersGetChannelMessagesFromEveryShard() throws Exception {
        List<RespConnection> subs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            subs.add(subscriber(i, "PSUBSCRIBE", "room.*"));
        }
        nodes.awaitHeld(TopicKind.PATTERN, "room.*", 0, 1, 2);
        // The publishing node sends classic copies only once it knows other nodes hold patterns.
        Await.until(() -> nodes.node(0).cluster().sendsPatternCopies(), "node A heard the pattern announcements");
        // Channels chosen to land on different masters.
        List<String> channels = new ArrayList<>();
        List<RedisNode> owners = new ArrayList<>();
        for (int i = 0; channels.size() < 3 && i < 1000; i++) {
            RedisNode o = ownerOf("fanout:room." + i);
            if (!owners.contains(o)) {
                owners.add(o);
                channels.add("room." + i);
            }
        }
        RespConnection pub = nodes.resp(0);
        for (String ch : channels) {
            pub.call("PUBLISH", ch, "to " + ch);
        }
        pub.call("PUBLISH", "room.end", "end");
        for (RespConnection s : subs) {
            List<String> got = payloadsUntil(s, "end");
            List<String> want = new ArrayList<>();
            for (String ch : channels) {
                want.add("pmessage|to " + ch);
            }
            assertEquals(want, got);
        }
    }

    @Test
    void deliveryFollowsAShardChannelWhoseSlotMovesToAnotherMaster() throws Exception {
        String channel = "moving";
        List<RespConnection> subs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            subs.add(subscriber(i, "SSUBSCRIBE", channel));
        }
        nodes.awaitHeld(TopicKind.SHARD, channel, 0, 1, 2);
        RespConnection pub = nodes.resp(2);
        pub.call("SPUBLISH", channel, "before");
        for (RespConnection s : subs) {
            assertEquals("before", s.readOne().get(2).text());
        }
        int slot = SlotHash.getSlot(("fanout:" + channel).getBytes(UTF_8));
        RedisNode from = ownerOf("fanout:" + channel);
        RedisNode to = masters.stream().filter(m -> m != from).findFirst().orElseThrow();
        String toId = to.cli("cluster", "myid");
        String fromId = from.cli("cluster", "myid");
        to.cli("cluster", "setslot", Integer.toString(slot), "importing", fromId);
        from.cli("cluster", "setslot", Integer.toString(slot), "migrating", toId);
        to.cli("cluster", "setslot", Integer.toString(slot), "node", toId);
        from.cli("cluster", "setslot", Integer.toString(slot), "node", toId);
        for (RedisNode m : masters) {
            if (m != from && m != to) {
                m.cli("cluster", "setslot", Integer.toString(slot), "node", toId);
            }
        }
        Await.until(() -> ownerOf("fanout:" + channel) == to, "slot moved");
        // Redis pushes SUNSUBSCRIBE to the old owner's subscribers; each node follows the slot.
        Await.until(() -> shardSubscribers(to, "fanout:" + channel) == 3, "all three nodes subscribed at the new owner");
        assertNotEquals(from, to);
        pub.call("SPUBLISH", channel, "after");
        for (RespConnection s : subs) {
            assertEquals("after", s.readOne().get(2).text());
        }
    }

    private static int shardSubscribers(RedisNode m, String channel) {
        try {
            String[] lines = m.cli("pubsub", "shardnumsub", channel).split("\n");
            return Integer.parseInt(lines[1].trim());
        } catch (Exception e) {
            return -1;
        }
    }

    /** The master that owns a key's slot, asked of Redis itself. */
    private static RedisNode ownerOf(String key) {
        int slot = SlotHash.getSlot(key.getBytes(UTF_8));
        for (RedisNode m : masters) {
            try {
                String nodesText = m.cli("cluster", "nodes");
                for (String line : nodesText.split("\n")) {
                    if (!line.contains("myself")) {
                        continue;
                    }
                    String[] f = line.trim().split(" ");
                    for (int i = 8; i < f.length; i++) {
                        String r = f[i];
                        if (r.startsWith("[")) {
                            continue;
                        }
                        int dash = r.indexOf('-');
                        int lo = Integer.parseInt(dash < 0 ? r : r.substring(0, dash));
                        int hi = dash < 0 ? lo : Integer.parseInt(r.substring(dash + 1));
                        if (slot >= lo && slot <= hi) {
                            return m;
                        }
                    }
                }
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("no owner for slot " + slot);
    }
}
