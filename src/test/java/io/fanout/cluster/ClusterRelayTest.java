package io.fanout.cluster;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fanout.broker.TopicKind;
import io.fanout.protocol.resp.it.RespConnection;
import io.fanout.protocol.resp.it.RespValue;
import io.fanout.testing.LineClient;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
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

    @Test
    void patternSubscribersOnEveryNodeGetChannelMessagesOnceEvenWhenAlsoSubscribedToTheChannel() throws Exception {
        RespConnection pa = subscriber(0, "PSUBSCRIBE", "sport.*");
        RespConnection pb = subscriber(1, "PSUBSCRIBE", "sport.*");
        // On C one client holds both the channel and a matching pattern: it gets both copies,
        // as from Redis, and each exactly once.
        RespConnection both = subscriber(2, "SUBSCRIBE", "sport.tennis");
        both.send("PSUBSCRIBE", "sport.*");
        both.read(1);
        nodes.awaitHeld(TopicKind.PATTERN, "sport.*", 0, 1, 2);
        nodes.awaitHeld(TopicKind.CHANNEL, "sport.tennis", 2);
        RespConnection pub = nodes.resp(1);
        for (int i = 0; i < 50; i++) {
            pub.send("PUBLISH", "sport.tennis", "m" + i);
        }
        pub.send("PUBLISH", "sport.tennis", "end");
        pub.read(51);
        List<String> viaPattern = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            viaPattern.add("pmessage|sport.*|sport.tennis|m" + i);
        }
        assertEquals(viaPattern, readUntil(pa, "end"));
        assertEquals(viaPattern, readUntil(pb, "end"));
        List<String> got = new ArrayList<>();
        int ends = 0;
        while (ends < 2) {
            RespValue v = both.readOne();
            String payload = v.get(v.size() - 1).text();
            if (payload.equals("end")) {
                ends++;
            } else {
                got.add(v.get(0).text() + "|" + payload);
            }
        }
        List<String> direct = got.stream().filter(x -> x.startsWith("message|")).toList();
        List<String> pattern = got.stream().filter(x -> x.startsWith("pmessage|")).toList();
        assertEquals(expectedPayloads("message|", 50), direct);
        assertEquals(expectedPayloads("pmessage|", 50), pattern);
    }

    private static List<String> expectedPayloads(String prefix, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(prefix + "m" + i);
        }
        return out;
    }

    @Test
    void shardChannelMessagesCrossNodesAsShardMessages() throws Exception {
        List<RespConnection> subs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            subs.add(subscriber(i, "SSUBSCRIBE", "orders"));
        }
        // A plain channel of the same name must not receive shard messages.
        RespConnection plain = subscriber(0, "SUBSCRIBE", "orders");
        nodes.awaitHeld(TopicKind.SHARD, "orders", 0, 1, 2);
        RespConnection pub = nodes.resp(2);
        for (int i = 0; i < 100; i++) {
            pub.send("SPUBLISH", "orders", "m" + i);
        }
        pub.send("SPUBLISH", "orders", "end");
        pub.read(101);
        for (RespConnection s : subs) {
            assertEquals(expected("smessage", "orders", 100), readUntil(s, "end"));
        }
        pub.send("PUBLISH", "orders", "plain-end");
        pub.readOne();
        assertEquals(List.of(), readUntil(plain, "plain-end"));
    }

    @Test
    void lineClientsOnDifferentNodesTalkToEachOtherAndToRespSubscribers() throws Exception {
        LineClient a = nodes.line(0);
        LineClient b = nodes.line(1);
        RespConnection redisUserOnC = subscriber(2, "SUBSCRIBE", "broadcast");
        nodes.awaitHeld(TopicKind.CHANNEL, "broadcast", 0, 1, 2);
        a.send("hello from a");
        b.send("hello from b");
        // Each line client sees both lines exactly once; the sender's own comes from its node.
        List<String> atA = List.of(a.readLine(), a.readLine());
        List<String> atB = List.of(b.readLine(), b.readLine());
        assertTrue(atA.containsAll(List.of("hello from a", "hello from b")), atA.toString());
        assertTrue(atB.containsAll(List.of("hello from a", "hello from b")), atB.toString());
        // "end" goes through Redis too (published on A, not on C): Redis had already sent both
        // lines to C's link when A and B read them, so on that one link "end" comes after them.
        // Published on C itself it could overtake them (CI saw [] here once).
        RespConnection pub = nodes.resp(0);
        pub.call("PUBLISH", "broadcast", "end");
        assertEquals("end", a.readLine(), "no duplicate reached the line client on A");
        assertEquals("end", b.readLine(), "no duplicate reached the line client on B");
        List<String> atC = readUntil(redisUserOnC, "end");
        assertEquals(2, atC.size(), atC.toString());
    }

    @Test
    void threePublishersOnThreeNodesKeepTheirOrderAtEverySubscriber() throws Exception {
        int perPublisher = 3_000;
        List<RespConnection> subs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            subs.add(subscriber(i, "SUBSCRIBE", "ticks"));
        }
        nodes.awaitHeld(TopicKind.CHANNEL, "ticks", 0, 1, 2);
        List<Thread> publishers = new ArrayList<>();
        List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int p = 0; p < 3; p++) {
            RespConnection pub = nodes.resp(p);
            int id = p;
            Thread t = new Thread(() -> {
                try {
                    for (int i = 0; i < perPublisher; i++) {
                        pub.send("PUBLISH", "ticks", id + ":" + i);
                    }
                    pub.read(perPublisher, java.time.Duration.ofSeconds(30));
                } catch (Throwable e) {
                    errors.add(e);
                }
            }, "publisher-" + p);
            publishers.add(t);
            t.start();
        }
        for (RespConnection s : subs) {
            int[] next = new int[3];
            int total = 0;
            while (total < 3 * perPublisher) {
                RespValue v = s.read(1, java.time.Duration.ofSeconds(30)).get(0);
                String[] parts = v.get(2).text().split(":");
                int p = Integer.parseInt(parts[0]);
                int seq = Integer.parseInt(parts[1]);
                assertEquals(next[p], seq, "publisher " + p + " out of order or duplicated");
                next[p]++;
                total++;
            }
        }
        for (Thread t : publishers) {
            t.join(30_000);
        }
        assertEquals(List.of(), errors);
    }

    @Test
    void plainRedisPublisherOnThePrefixedChannelReachesFanoutSubscribersAsIs() throws Exception {
        RespConnection a = subscriber(0, "SUBSCRIBE", "alerts");
        RespConnection c = subscriber(2, "SUBSCRIBE", "alerts");
        nodes.awaitHeld(TopicKind.CHANNEL, "alerts", 0, 2);
        assertEquals("2", redis.cli("publish", "fanout:alerts", "hi"), "both nodes subscribed once each in redis");
        try (Jedis jedis = new Jedis(redis.address().getHostString(), redis.port())) {
            jedis.publish("fanout:alerts".getBytes(UTF_8), new byte[] {0, 'f', 'o', 'x'}); // looks like, is not, an envelope
            jedis.publish("fanout:alerts", "end");
        }
        for (RespConnection s : List.of(a, c)) {
            RespValue first = s.readOne();
            assertEquals("hi", first.get(2).text());
            RespValue second = s.readOne();
            org.junit.jupiter.api.Assertions.assertArrayEquals(new byte[] {0, 'f', 'o', 'x'}, second.get(2).data());
            assertEquals("end", s.readOne().get(2).text());
        }
    }

    @Test
    void lastLocalSubscriberLeavingUnsubscribesTheNodeInRedis() throws Exception {
        RespConnection s = subscriber(1, "SUBSCRIBE", "ephemeral");
        nodes.awaitHeld(TopicKind.CHANNEL, "ephemeral", 1);
        assertEquals("1", redis.cli("pubsub", "numsub", "fanout:ephemeral").split("\\s+")[1]);
        s.send("UNSUBSCRIBE", "ephemeral");
        s.readOne();
        io.fanout.testing.Await.until(() -> !nodes.node(1).cluster().holdsInRedis(TopicKind.CHANNEL, "ephemeral"),
                "node B unsubscribed in redis");
        assertEquals("0", redis.cli("pubsub", "numsub", "fanout:ephemeral").split("\\s+")[1]);
    }
}
