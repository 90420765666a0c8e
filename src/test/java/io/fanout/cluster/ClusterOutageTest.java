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
}
