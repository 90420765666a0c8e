package io.fanout.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.fanout.broker.TopicKind;
import io.fanout.protocol.resp.it.RespConnection;
import io.fanout.testing.Await;

/**
 * The Redis link is a consumer like any other: when Redis dies the nodes keep delivering
 * locally, count what they could not relay, reconnect with backoff when Redis is back,
 * resubscribe what their clients hold, and cross-node delivery resumes; when Redis cuts a
 * node's subscriber connection (as client-output-buffer-limit pubsub does to a stalled
 * reader), the node notices and recovers the same way.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClusterOutageTest {

    @Test
    void redisKilledAndRestartedLocalDeliveryContinuesThenCrossNodeDeliveryResumes() throws Exception {
        try (RedisNode redis = RedisNode.start();
             FanoutNodes nodes = FanoutNodes.start(2, ClusterConfig.of(redis.uri()), 1)) {
            RespConnection a = nodes.resp(0);
            a.send("SUBSCRIBE", "news");
            a.readOne();
            RespConnection b = nodes.resp(1);
            b.send("SUBSCRIBE", "news");
            b.send("PSUBSCRIBE", "n*");
            b.read(2);
            nodes.awaitHeld(TopicKind.CHANNEL, "news", 0, 1);
            nodes.awaitHeld(TopicKind.PATTERN, "n*", 1);
            RespConnection pubA = nodes.resp(0);
            assertEquals(1, pubA.call("PUBLISH", "news", "before").asLong());
            assertEquals("before", a.readOne().get(2).text());
            assertEquals("before", b.readOne().get(2).text());
            assertEquals("before", b.readOne().get(3).text());

            redis.kill();
            Await.until(() -> !nodes.stats(0).linkUp() && !nodes.stats(1).linkUp(), "both nodes saw the link drop");
            assertEquals(1, pubA.call("PUBLISH", "news", "during").asLong());
            assertEquals("during", a.readOne().get(2).text(), "local delivery goes on without Redis");
            Await.until(() -> nodes.stats(0).notRelayed(ClusterStats.NotRelayed.LINK_DOWN) >= 1,
                    "the message that could not cross is counted");

            redis.restart();
            Await.until(() -> nodes.stats(0).linkUp() && nodes.stats(1).linkUp(), "both nodes reconnected");
            nodes.awaitHeld(TopicKind.CHANNEL, "news", 0, 1);
            nodes.awaitHeld(TopicKind.PATTERN, "n*", 1);
            assertTrue(nodes.stats(1).reconnects() >= 1);
            assertEquals(1, pubA.call("PUBLISH", "news", "after").asLong());
            assertEquals("after", a.readOne().get(2).text());
            assertEquals("after", b.readOne().get(2).text(), "cross-node delivery resumed; 'during' is lost, as documented");
            assertEquals("after", b.readOne().get(3).text());
            assertFalse(nodes.stats(1).linkLost() == 0);
        }
    }

    @Test
    void redisCuttingTheSubscriberConnectionIsNoticedAndRecovered() throws Exception {
        // Redis cuts a pub/sub client whose output buffer passes client-output-buffer-limit
        // pubsub; CLIENT KILL TYPE pubsub is the same cut, on demand.
        try (RedisNode redis = RedisNode.start();
             FanoutNodes nodes = FanoutNodes.start(2, ClusterConfig.of(redis.uri()), 1)) {
            RespConnection b = nodes.resp(1);
            b.send("SUBSCRIBE", "feed");
            b.readOne();
            nodes.awaitHeld(TopicKind.CHANNEL, "feed", 1);
            long lostBefore = nodes.stats(1).linkLost();
            assertTrue(Integer.parseInt(redis.cli("client", "kill", "type", "pubsub")) >= 1);
            Await.until(() -> nodes.stats(1).linkLost() > lostBefore, "node B noticed the cut");
            Await.until(() -> nodes.stats(1).reconnects() >= 1, "node B reconnected");
            nodes.awaitHeld(TopicKind.CHANNEL, "feed", 1);
            RespConnection pubA = nodes.resp(0);
            pubA.call("PUBLISH", "feed", "after-cut");
            assertEquals("after-cut", b.readOne().get(2).text());
        }
    }

    @Test
    void redisOutputBufferLimitCuttingTheNodeIsNoticedAndRecovered() throws Exception {
        // The real mechanism: a pub/sub client whose output buffer passes the hard limit is
        // cut by Redis. A 64 KiB message against a 16 KiB limit passes it at once.
        try (RedisNode redis = RedisNode.start("--client-output-buffer-limit", "pubsub 16kb 0 0");
             FanoutNodes nodes = FanoutNodes.start(2, ClusterConfig.of(redis.uri()), 1)) {
            RespConnection b = nodes.resp(1);
            b.send("SUBSCRIBE", "big");
            b.readOne();
            nodes.awaitHeld(TopicKind.CHANNEL, "big", 1);
            RespConnection pubA = nodes.resp(0);
            pubA.call("PUBLISH", "big", "x".repeat(64 * 1024));
            Await.until(() -> nodes.stats(1).linkLost() >= 1, "node B noticed that Redis cut it");
            Await.until(() -> nodes.stats(1).reconnects() >= 1 && nodes.stats(1).linkUp(), "node B reconnected");
            nodes.awaitHeld(TopicKind.CHANNEL, "big", 1);
            assertTrue(redis.log().contains("scheduled to be closed ASAP for overcoming of output buffer limits"),
                    "Redis says it cut the client: " + redis.log());
            pubA.call("PUBLISH", "big", "small again");
            assertEquals("small again", b.readOne().get(2).text());
        }
    }

    @Test
    void aFullRelayQueueDropsAndCountsWhileLocalDeliveryGetsEverything() throws Exception {
        // Redis pauses its clients for a moment (CLIENT PAUSE), so the link's PUBLISHes wait;
        // a pipelined burst of 5,000 messages meets a 4 KiB relay queue: the overflow is
        // counted, and the local subscriber still gets every message at once.
        try (RedisNode redis = RedisNode.start();
             FanoutNodes nodes = FanoutNodes.start(1, ClusterConfig.of(redis.uri()).withQueueBytes(4096), 1)) {
            RespConnection local = nodes.resp(0);
            local.send("SUBSCRIBE", "burst");
            local.readOne();
            RespConnection pub = nodes.resp(0);
            StringBuilder burst = new StringBuilder();
            for (int i = 0; i < 5_000; i++) {
                burst.append("*3\r\n$7\r\nPUBLISH\r\n$5\r\nburst\r\n$").append(Integer.toString(i).length())
                        .append("\r\n").append(i).append("\r\n");
            }
            assertEquals("OK", redis.cli("client", "pause", "1000", "ALL"));
            pub.send(burst.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            pub.read(5_000, java.time.Duration.ofSeconds(30));
            for (int i = 0; i < 5_000; i++) {
                assertEquals(Integer.toString(i), local.read(1, java.time.Duration.ofSeconds(30)).get(0).get(2).text());
            }
            ClusterStats s = nodes.stats(0);
            Await.until(() -> s.queuedBytes() == 0, "the relay queue drained");
            assertTrue(s.notRelayed(ClusterStats.NotRelayed.QUEUE_FULL) > 0, () -> "the overflow was counted: relayed " + s.relayedOut() + " link-down " + s.notRelayed(ClusterStats.NotRelayed.LINK_DOWN) + " error " + s.notRelayed(ClusterStats.NotRelayed.ERROR));
            Await.until(() -> s.relayedOut() + s.notRelayed(ClusterStats.NotRelayed.QUEUE_FULL) == 5_000,
                    Await.DEFAULT, () -> "every message either relayed or counted: relayed " + s.relayedOut() + " + dropped "
                            + s.notRelayed(ClusterStats.NotRelayed.QUEUE_FULL));
        }
    }
}
