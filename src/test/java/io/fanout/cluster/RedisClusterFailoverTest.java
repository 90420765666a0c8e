package io.fanout.cluster;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fanout.broker.TopicKind;
import io.fanout.protocol.resp.it.RespConnection;
import io.fanout.testing.Await;
import io.lettuce.core.cluster.SlotHash;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A Redis Cluster of three masters with a replica each: the master that owns a shard
 * channel's slot is killed (SIGKILL), its replica takes over, and both fanout nodes move
 * their subscription to it; sharded delivery resumes and the link reports up again.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RedisClusterFailoverTest {

    @Test
    void shardedDeliveryResumesAfterTheOwningMasterFailsOver() throws Exception {
        List<RedisNode> redis = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                redis.add(RedisNode.start("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                        "--cluster-node-timeout", "1000"));
            }
            List<String> create = new ArrayList<>(List.of("--cluster", "create"));
            for (RedisNode r : redis) {
                create.add("127.0.0.1:" + r.port());
            }
            create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
            String out = redis.get(0).cli(create.toArray(new String[0]));
            for (RedisNode r : redis) {
                Await.until(() -> cli(r, "cluster", "info").contains("cluster_state:ok"), Duration.ofSeconds(30),
                        () -> "cluster ok on " + r.port() + ": " + out);
            }
            String key = "fanout:orders";
            int slot = SlotHash.getSlot(key.getBytes(UTF_8));
            RedisNode master = owner(redis, slot);
            String masterId = cli(master, "cluster", "myid");
            Await.until(() -> replicaOf(redis, masterId) != null, Duration.ofSeconds(20), "the master has a replica");
            RedisNode promoted = replicaOf(redis, masterId);
            Await.until(() -> cli(promoted, "info", "replication").contains("master_link_status:up"),
                    Duration.ofSeconds(20), "replica in sync");
            String seeds = "redis-cluster://127.0.0.1:" + redis.get(0).port() + ",127.0.0.1:" + redis.get(1).port()
                    + ",127.0.0.1:" + redis.get(2).port();
            try (FanoutNodes nodes = FanoutNodes.start(2, ClusterConfig.of(seeds), 1)) {
                List<RespConnection> subs = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    RespConnection c = nodes.resp(i);
                    c.send("SSUBSCRIBE", "orders");
                    c.readOne();
                    subs.add(c);
                }
                nodes.awaitHeld(TopicKind.SHARD, "orders", 0, 1);
                RespConnection pub = nodes.resp(0);
                pub.call("SPUBLISH", "orders", "before");
                for (RespConnection s : subs) {
                    assertEquals("before", s.readOne().get(2).text());
                }

                master.kill();
                Await.until(() -> cli(promoted, "role").startsWith("master"), Duration.ofSeconds(30), "replica promoted");
                Await.until(() -> shardSubscribers(promoted, key) == 2, Duration.ofSeconds(30),
                        "both nodes subscribed at the promoted master");
                Await.until(() -> nodes.stats(0).linkUp() && nodes.stats(1).linkUp(), Duration.ofSeconds(30),
                        "link_up again once the dead master's connection is retired");
                // The publishing node's topology may still be catching up: publish until it arrives.
                Await.until(() -> {
                    try {
                        pub.call("SPUBLISH", "orders", "after");
                        return true;
                    } catch (Exception e) {
                        return false;
                    }
                }, "published after failover");
                for (RespConnection s : subs) {
                    assertEquals("after", s.readOne().get(2).text());
                }
            }
        } finally {
            for (RedisNode r : redis) {
                r.close();
            }
        }
    }

    private static String cli(RedisNode r, String... args) {
        try {
            return r.cli(args);
        } catch (Exception e) {
            return "";
        }
    }

    private static RedisNode replicaOf(List<RedisNode> redis, String masterId) {
        for (RedisNode r : redis) {
            if (cli(r, "cluster", "nodes").lines().anyMatch(l -> l.contains("myself") && l.contains(masterId)
                    && l.contains("slave"))) {
                return r;
            }
        }
        return null;
    }

    private static int shardSubscribers(RedisNode m, String channel) {
        try {
            return Integer.parseInt(m.cli("pubsub", "shardnumsub", channel).split("\n")[1].trim());
        } catch (Exception e) {
            return -1;
        }
    }

    private static RedisNode owner(List<RedisNode> redis, int slot) {
        for (RedisNode r : redis) {
            for (String line : cli(r, "cluster", "nodes").split("\n")) {
                if (!line.contains("myself") || !line.contains("master")) {
                    continue;
                }
                String[] f = line.trim().split(" ");
                for (int i = 8; i < f.length; i++) {
                    if (f[i].startsWith("[")) {
                        continue;
                    }
                    int dash = f[i].indexOf('-');
                    int lo = Integer.parseInt(dash < 0 ? f[i] : f[i].substring(0, dash));
                    int hi = dash < 0 ? lo : Integer.parseInt(f[i].substring(dash + 1));
                    if (slot >= lo && slot <= hi) {
                        return r;
                    }
                }
            }
        }
        throw new AssertionError("no owner of slot " + slot);
    }
}
