package io.fanout.protocol.resp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.fanout.broker.SubscriptionLimit;
import io.fanout.protocol.resp.it.RespConnection;
import io.fanout.protocol.resp.it.RespValue;
import io.fanout.server.FanoutServer;
import io.fanout.server.ServerConfig;
import io.fanout.server.ServerConfig.SubscriptionLimits;
import io.fanout.testing.Await;

/**
 * --max-subscriptions-per-client, --max-topics and --max-subscriptions over real sockets: one
 * reply per channel (an error in place of each refused one), room made by unsubscribing is
 * usable again, and nothing is left counted once clients go.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SubscriptionLimitsTest {
    private FanoutServer server;

    private RespConnection start(SubscriptionLimits limits) throws IOException {
        return start(ServerConfig.forTests().withSubscriptionLimits(limits));
    }

    private RespConnection start(ServerConfig config) throws IOException {
        server = FanoutServer.start(config);
        return RespConnection.open(server.respAddress());
    }

    @AfterEach
    void stop() {
        if (server != null) {
            Await.until(() -> server.broker().subscriptionCount() == 0, "every subscription released");
            assertEquals(0, server.broker().distinctTopicCount());
            server.close();
        }
    }

    @Test
    void perClientLimitCountsChannelsPatternsAndShardChannelsTogether() throws Exception {
        try (RespConnection c = start(new SubscriptionLimits(3, 100, 100))) {
            c.send("SUBSCRIBE", "a", "b");
            assertEquals(List.of("subscribe", "b", "2"), c.read(2).get(1).texts());
            c.send("PSUBSCRIBE", "p*", "q*");
            List<RespValue> replies = c.read(2);
            assertEquals(List.of("psubscribe", "p*", "3"), replies.get(0).texts());
            assertEquals("ERR max subscriptions per client reached (3)", replies.get(1).text());
            c.send("SSUBSCRIBE", "s");
            assertEquals("ERR max subscriptions per client reached (3)", c.readOne().text());
            // Already subscribed: no new subscription, so the normal reply.
            c.send("SUBSCRIBE", "a");
            assertEquals(List.of("subscribe", "a", "3"), c.readOne().texts());
            // Room made by unsubscribing can be used again.
            c.send("UNSUBSCRIBE", "b");
            c.readOne();
            c.send("SUBSCRIBE", "c", "d");
            replies = c.read(2);
            assertEquals(List.of("subscribe", "c", "3"), replies.get(0).texts());
            assertTrue(replies.get(1).isError());
            assertEquals(3, server.broker().refusedCount(SubscriptionLimit.CLIENT));
        }
    }

    @Test
    void topicAndTotalLimitsAreServerWideAndKnownTopicsStayOpen() throws Exception {
        try (RespConnection a = start(new SubscriptionLimits(100, 2, 3));
             RespConnection b = RespConnection.open(server.respAddress())) {
            a.send("SUBSCRIBE", "x", "y", "z");
            List<RespValue> replies = a.read(3);
            assertEquals("ERR max topics reached (2)", replies.get(2).text());
            // A known topic needs no new slot; a third subscription overall is still allowed...
            b.send("SUBSCRIBE", "z", "x", "y");
            replies = b.read(3);
            assertEquals("ERR max topics reached (2)", replies.get(0).text());
            assertEquals(List.of("subscribe", "x", "1"), replies.get(1).texts());
            // ... but not a fourth.
            assertEquals("ERR max subscriptions reached (3)", replies.get(2).text());
            try (RespConnection publisher = RespConnection.open(server.respAddress())) {
                assertEquals(2, publisher.call("PUBLISH", "x", "hi").asLong());
            }
            // RESP3 switch keeps every subscription even at the limits.
            b.send("HELLO", "3");
            b.readOne();
            try (RespConnection publisher = RespConnection.open(server.respAddress())) {
                assertEquals(2, publisher.call("PUBLISH", "x", "again").asLong());
            }
            assertEquals(3, server.broker().subscriptionCount());
        }
    }

    @Test
    void limitsHoldAcrossLoopsAndEveryLoopDeliversToItsShareOfSubscribers() throws Exception {
        ServerConfig config = ServerConfig.forTests().withIoThreads(2)
                .withSubscriptionLimits(new SubscriptionLimits(100, 3, 100));
        // Connections are spread over the loops round-robin: four clients, two per loop.
        try (RespConnection a = start(config);
             RespConnection b = RespConnection.open(server.respAddress());
             RespConnection c = RespConnection.open(server.respAddress());
             RespConnection d = RespConnection.open(server.respAddress())) {
            for (RespConnection conn : List.of(a, b, c, d)) {
                conn.send("SUBSCRIBE", "shared");
                assertEquals(List.of("subscribe", "shared", "1"), conn.readOne().texts());
            }
            a.send("PSUBSCRIBE", "sh*");
            a.readOne();
            b.send("SUBSCRIBE", "own-b");
            b.readOne();
            // Three topics exist (shared, sh*, own-b): a fourth is refused on either loop.
            c.send("SUBSCRIBE", "own-c");
            assertEquals("ERR max topics reached (3)", c.readOne().text());
            d.send("SUBSCRIBE", "own-d");
            assertEquals("ERR max topics reached (3)", d.readOne().text());
            try (RespConnection publisher = RespConnection.open(server.respAddress())) {
                assertEquals(5, publisher.call("PUBLISH", "shared", "hi").asLong(), "4 direct + 1 pattern");
            }
            for (RespConnection conn : List.of(a, b, c, d)) {
                assertEquals(List.of("message", "shared", "hi"), conn.readOne().texts());
            }
            assertEquals(List.of("pmessage", "sh*", "shared", "hi"), a.readOne().texts());
            // A topic gone on one loop frees its slot for the other.
            b.send("UNSUBSCRIBE", "own-b");
            assertEquals(List.of("unsubscribe", "own-b", "1"), b.readOne().texts());
            d.send("SUBSCRIBE", "own-d");
            assertEquals(List.of("subscribe", "own-d", "2"), d.readOne().texts());
        }
    }
}
