package io.fanout.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.fanout.broker.TopicKind;
import io.fanout.protocol.resp.it.RespConnection;
import io.fanout.protocol.resp.it.RespValue;
import io.fanout.testing.LineClient;
import redis.clients.jedis.Jedis;

/**
 * Three fanout nodes joined through one real {@code redis-server}: every message published
 * on one node reaches the subscribers of every node exactly once and in publish order, for
 * channels, patterns, shard channels and the line channel; plain Redis publishers reach
 * fanout subscribers. Each test uses its own channel names, so they share the nodes.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClusterRelayTest {
    private static RedisNode redis;
    private static FanoutNodes nodes;

    @BeforeAll
    static void startRedisAndThreeNodes() throws Exception {
        redis = RedisNode.start();
        nodes = FanoutNodes.start(3, ClusterConfig.of(redis.uri()), 2);
    }

    @AfterAll
    static void stopAll() {
        if (nodes != null) {
            nodes.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    /** Reads push messages until one carries {@code end}; returns the payloads before it. */
    static List<String> readUntil(RespConnection c, String end) throws IOException {
        List<String> got = new ArrayList<>();
        while (true) {
            RespValue v = c.readOne();
            String payload = v.get(v.size() - 1).text();
            if (payload.equals(end)) {
                return got;
            }
            // message|channel|payload, smessage|channel|payload, pmessage|pattern|channel|payload
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < v.size(); i++) {
                line.append(i == 0 ? "" : "|").append(v.get(i).text());
            }
            got.add(line.toString());
        }
    }

    private static RespConnection subscriber(int node, String... command) throws IOException {
        RespConnection c = nodes.resp(node);
        c.send(command);
        int n = command.length - 1;
        c.read(n);
        return c;
    }

    private static List<String> expected(String kind, String channel, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(kind + "|" + channel + "|m" + i);
        }
        return out;
    }

    @Test
    void channelMessagePublishedOnOneNodeReachesEveryNodeOnceInOrder() throws Exception {
        List<RespConnection> subs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            subs.add(subscriber(i, "SUBSCRIBE", "news"));
        }
        nodes.awaitHeld(TopicKind.CHANNEL, "news", 0, 1, 2);
        RespConnection pub = nodes.resp(0);
        for (int i = 0; i < 200; i++) {
            pub.send("PUBLISH", "news", "m" + i);
        }
        pub.send("PUBLISH", "news", "end");
        pub.read(201);
        for (RespConnection s : subs) {
            assertEquals(expected("message", "news", 200), readUntil(s, "end"));
        }
        assertTrue(nodes.stats(0).echoesSkipped() >= 201, "node A saw its own messages come back and skipped them");
    }
}
