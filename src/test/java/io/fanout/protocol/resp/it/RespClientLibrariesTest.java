package io.fanout.protocol.resp.it;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fanout.policy.SlowPolicyMode;
import io.fanout.policy.SlowPolicySettings;
import io.fanout.server.FanoutServer;
import io.fanout.server.ServerConfig;
import io.fanout.testing.Await;
import io.fanout.testing.LineClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.StaticCredentialsProvider;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Real Redis client libraries against fanout: Jedis (RESP2, and RESP3), Lettuce (RESP3 by
 * default: HELLO and CLIENT SETINFO on connect; and forced to RESP2), a line client and a RESP
 * subscriber on the shared channel, passwords, and the slow-client policy seen from RESP.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RespClientLibrariesTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String PASSWORD = "s3cret";
    private static ClientResources lettuceResources;

    private final List<FanoutServer> servers = new ArrayList<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeAll
    static void lettuceResources() {
        lettuceResources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2).build();
    }

    @AfterAll
    static void shutdownLettuce() {
        lettuceResources.shutdown(0, 2, TimeUnit.SECONDS);
    }

    /** Closes every client, checks the server kept no connection or byte of them, stops it. */
    @AfterEach
    void closeEverything() throws Exception {
        try {
            for (int i = closeables.size() - 1; i >= 0; i--) {
                closeables.get(i).close();
            }
            for (FanoutServer s : servers) {
                RespDifferentialTest.awaitNoConnectionLeft(s);
            }
        } finally {
            for (FanoutServer s : servers) {
                s.close();
            }
        }
    }

    private FanoutServer start(ServerConfig config) throws IOException {
        FanoutServer s = FanoutServer.start(config);
        servers.add(s);
        return s;
    }

    private <T extends AutoCloseable> T closeLater(T c) {
        closeables.add(c);
        return c;
    }

    // ---- Jedis ---------------------------------------------------------------------------

    /** Collects what a JedisPubSub sees; latches open on the confirmations. */
    private static final class RecordingJedisPubSub extends JedisPubSub {
        final BlockingQueue<String> events = new LinkedBlockingQueue<>();
        final CountDownLatch subscribed = new CountDownLatch(1);
        final CountDownLatch psubscribed = new CountDownLatch(1);

        @Override
        public void onSubscribe(String channel, int count) {
            subscribed.countDown();
        }

        @Override
        public void onPSubscribe(String pattern, int count) {
            psubscribed.countDown();
        }

        @Override
        public void onMessage(String channel, String message) {
            events.add("message " + channel + " " + message);
        }

        @Override
        public void onPMessage(String pattern, String channel, String message) {
            events.add("pmessage " + pattern + " " + channel + " " + message);
        }
    }

    @Test
    void jedisSubscribesPatternSubscribesAndPublishesInResp2() throws Exception {
        jedisPubSubRoundTrip(DefaultJedisClientConfig.builder().timeoutMillis(5000).build());
    }

    @Test
    void jedisSubscribesPatternSubscribesAndPublishesInResp3() throws Exception {
        jedisPubSubRoundTrip(DefaultJedisClientConfig.builder().timeoutMillis(5000).resp3().build());
    }

    private void jedisPubSubRoundTrip(DefaultJedisClientConfig config) throws Exception {
        FanoutServer server = start(ServerConfig.forTests());
        InetSocketAddress a = server.respAddress();
        Jedis subscriberConnection = closeLater(new Jedis(a.getHostString(), a.getPort(), config));
        Jedis publisher = closeLater(new Jedis(a.getHostString(), a.getPort(), config));
        RecordingJedisPubSub listener = new RecordingJedisPubSub();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                subscriberConnection.subscribe(listener, "news");
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "jedis-subscriber");
        t.start();
        assertTrue(listener.subscribed.await(10, TimeUnit.SECONDS), "onSubscribe");
        listener.psubscribe("news.*");
        assertTrue(listener.psubscribed.await(10, TimeUnit.SECONDS), "onPSubscribe");

        assertEquals(1, publisher.publish("news", "first"));
        assertEquals(1, publisher.publish("news.sport", "goal"));
        assertEquals(0, publisher.publish("other", "nobody"));
        assertEquals("message news first", listener.events.poll(10, TimeUnit.SECONDS));
        assertEquals("pmessage news.* news.sport goal", listener.events.poll(10, TimeUnit.SECONDS));
        Map<String, Long> numsub = publisher.pubsubNumSub("news", "other");
        assertEquals(Map.of("news", 1L, "other", 0L), numsub);
        assertEquals(1, publisher.pubsubNumPat());

        int n = 200;
        for (int i = 0; i < n; i++) {
            assertEquals(1, publisher.publish("news", "m" + i));
        }
        for (int i = 0; i < n; i++) {
            assertEquals("message news m" + i, listener.events.poll(10, TimeUnit.SECONDS));
        }
        listener.unsubscribe();
        listener.punsubscribe();
        t.join(10_000);
        assertFalse(t.isAlive(), "subscribe() returns once every subscription is gone");
        assertEquals(null, failure.get());
        assertEquals(0, publisher.publish("news", "after"));
        assertEquals("PONG", subscriberConnection.ping(), "the connection is usable again");
        assertTrue(listener.events.isEmpty(), "nothing else arrived: " + listener.events);
    }

    // ---- Lettuce ---------------------------------------------------------------------------

    /** Collects what a Lettuce pub/sub listener sees. */
    private static final class RecordingLettuceListener extends RedisPubSubAdapter<String, String> {
        final BlockingQueue<String> events = new LinkedBlockingQueue<>();

        @Override
        public void message(String channel, String message) {
            events.add("message " + channel + " " + message);
        }

        @Override
        public void message(String pattern, String channel, String message) {
            events.add("pmessage " + pattern + " " + channel + " " + message);
        }

        @Override
        public void smessage(String channel, String message) {
            events.add("smessage " + channel + " " + message);
        }

        @Override
        public void unsubscribed(String channel, long count) {
            events.add("unsubscribed " + channel + " " + count);
        }
    }

    private RedisClient lettuce(RedisURI uri, ProtocolVersion version) {
        RedisClient client = RedisClient.create(lettuceResources, uri);
        client.setOptions(ClientOptions.builder().protocolVersion(version).autoReconnect(false).build());
        closeables.add(() -> client.shutdown(Duration.ZERO, Duration.ofSeconds(2)));
        return client;
    }

    private static RedisURI uri(InetSocketAddress a) {
        return RedisURI.builder().withHost(a.getHostString()).withPort(a.getPort())
                .withTimeout(Duration.ofSeconds(5)).build();
    }

    @Test
    void lettuceInResp3SubscribesPatternSubscribesAndPublishes() throws Exception {
        FanoutServer server = start(ServerConfig.forTests());
        lettucePubSubRoundTrip(server, lettuce(uri(server.respAddress()), ProtocolVersion.RESP3), 3);
    }

    @Test
    void lettuceForcedToResp2SubscribesPatternSubscribesAndPublishes() throws Exception {
        FanoutServer server = start(ServerConfig.forTests());
        lettucePubSubRoundTrip(server, lettuce(uri(server.respAddress()), ProtocolVersion.RESP2), 2);
    }

    private void lettucePubSubRoundTrip(FanoutServer server, RedisClient client, int resp) throws Exception {
        StatefulRedisPubSubConnection<String, String> sub = client.connectPubSub();
        RecordingLettuceListener listener = new RecordingLettuceListener();
        sub.addListener(listener);
        sub.sync().subscribe("news");
        sub.sync().psubscribe("news.*");
        sub.sync().ssubscribe("shard");
        StatefulRedisConnection<String, String> pub = client.connect();

        assertEquals(1L, pub.sync().publish("news", "first"));
        assertEquals(1L, pub.sync().publish("news.sport", "goal"));
        assertEquals(1L, pub.sync().spublish("shard", "sharded"));
        assertEquals(0L, pub.sync().publish("other", "nobody"));
        assertEquals("message news first", listener.events.poll(10, TimeUnit.SECONDS));
        assertEquals("pmessage news.* news.sport goal", listener.events.poll(10, TimeUnit.SECONDS));
        assertEquals("smessage shard sharded", listener.events.poll(10, TimeUnit.SECONDS));
        assertEquals(Map.of("news", 1L), pub.sync().pubsubNumsub("news"));
        assertEquals(1L, pub.sync().pubsubNumpat());
        assertEquals(List.of("news"), pub.sync().pubsubChannels("n*"));
        if (resp == 3) {
            // RESP3: the subscribed connection still runs ordinary commands.
            assertEquals("PONG", sub.sync().ping());
            assertEquals("hello", sub.sync().echo("hello"));
        }

        int n = 200;
        for (int i = 0; i < n; i++) {
            assertEquals(1L, pub.sync().publish("news", "m" + i));
        }
        for (int i = 0; i < n; i++) {
            assertEquals("message news m" + i, listener.events.poll(10, TimeUnit.SECONDS));
        }
        sub.sync().unsubscribe("news");
        assertEquals("unsubscribed news 1", listener.events.poll(10, TimeUnit.SECONDS));
        assertEquals(0L, pub.sync().publish("news", "after"));

        // What Lettuce said about itself on connect: HELLO's protocol and CLIENT SETINFO.
        String clients = pub.sync().clientList();
        assertTrue(clients.contains("resp=" + resp), clients);
        if (resp == 3) {
            assertTrue(clients.contains("lib-name=Lettuce"), "CLIENT SETINFO reached fanout: " + clients);
        }
        sub.close();
        pub.close();
        Await.until(() -> server.engine().connectedClients() == 0, WAIT, "Lettuce connections closed");
    }

    // ---- line and RESP clients on one channel ------------------------------------------------

    @Test
    void lineClientAndRespSubscriberSeeEachOthersMessagesOnBroadcast() throws Exception {
        FanoutServer server = start(ServerConfig.forTests());
        RespConnection resp = closeLater(RespConnection.open(server.respAddress()));
        resp.call("SUBSCRIBE", "broadcast");
        LineClient line = closeLater(LineClient.connect(server.lineAddress()));
        Await.until(() -> server.broker().subscriberCount(io.fanout.broker.TopicKind.CHANNEL,
                new io.fanout.broker.TopicName("broadcast".getBytes(UTF_8))) == 2, WAIT, "line client subscribed");

        line.send("hello from nc");
        assertEquals("hello from nc", line.readLine(), "line clients get their own lines too");
        RespValue m = resp.readOne();
        assertEquals(List.of("message", "broadcast", "hello from nc"), m.texts());

        try (RespConnection publisher = RespConnection.open(server.respAddress())) {
            assertEquals(2, publisher.call("PUBLISH", "broadcast", "hi from redis").asLong());
            assertEquals(0, publisher.call("PUBLISH", "elsewhere", "not for nc").asLong());
            assertEquals(2, publisher.call("PUBLISH", "broadcast", "second").asLong());
        }
        assertEquals("hi from redis", line.readLine());
        assertEquals("second", line.readLine(), "other channels never reach line clients");
        assertEquals(List.of("message", "broadcast", "hi from redis"), resp.readOne().texts());
        assertEquals(List.of("message", "broadcast", "second"), resp.readOne().texts());
    }

    // ---- passwords ---------------------------------------------------------------------------

    @Test
    void withRequirepassJedisLettuceAndLineClientsAuthenticate() throws Exception {
        FanoutServer server = start(ServerConfig.forTests().withRequirePass(PASSWORD));
        InetSocketAddress a = server.respAddress();

        Jedis jedis = closeLater(new Jedis(a.getHostString(), a.getPort(),
                DefaultJedisClientConfig.builder().password(PASSWORD).timeoutMillis(5000).build()));
        assertEquals("PONG", jedis.ping());
        assertEquals(0, jedis.publish("broadcast", "nobody yet"));
        // Jedis authenticates while it connects, so a wrong password fails the constructor.
        JedisDataException e = assertThrows(JedisDataException.class, () -> new Jedis(a.getHostString(),
                a.getPort(), DefaultJedisClientConfig.builder().password("wrong").timeoutMillis(5000).build()));
        assertTrue(e.getMessage().startsWith("WRONGPASS"), e.getMessage());
        Jedis none = closeLater(new Jedis(a.getHostString(), a.getPort(),
                DefaultJedisClientConfig.builder().timeoutMillis(5000).build()));
        JedisDataException noauth = assertThrows(JedisDataException.class, () -> none.publish("x", "y"));
        assertTrue(noauth.getMessage().startsWith("NOAUTH"), noauth.getMessage());

        for (ProtocolVersion version : List.of(ProtocolVersion.RESP3, ProtocolVersion.RESP2)) {
            RedisURI good = uri(a);
            good.setCredentialsProvider(new StaticCredentialsProvider(null, PASSWORD.toCharArray()));
            RedisClient client = lettuce(good, version);
            StatefulRedisPubSubConnection<String, String> sub = client.connectPubSub();
            RecordingLettuceListener listener = new RecordingLettuceListener();
            sub.addListener(listener);
            sub.sync().subscribe("broadcast");
            assertEquals(1L, client.connect().sync().publish("broadcast", "authed " + version));
            assertEquals("message broadcast authed " + version, listener.events.poll(10, TimeUnit.SECONDS));
            sub.close();

            RedisURI bad = uri(a);
            bad.setCredentialsProvider(new StaticCredentialsProvider(null, "wrong".toCharArray()));
            RedisClient badClient = lettuce(bad, version);
            assertThrows(RedisException.class, badClient::connect, "wrong password refused (" + version + ")");
        }

        LineClient line = closeLater(LineClient.connect(server.lineAddress()));
        line.send("AUTH " + PASSWORD);
        assertEquals("OK", line.readLine());
        Await.until(() -> server.broker().subscriberCount(io.fanout.broker.TopicKind.CHANNEL,
                new io.fanout.broker.TopicName("broadcast".getBytes(UTF_8))) == 1, WAIT, "line client authenticated");
        assertEquals(1, jedis.publish("broadcast", "to the line client"));
        assertEquals("to the line client", line.readLine());
    }

    // ---- slow-client policy on RESP -------------------------------------------------------

    private static final int MESSAGE_BYTES = 1000;

    private static String payload(int i) {
        String head = "msg-" + i + "-";
        return head + "x".repeat(MESSAGE_BYTES - head.length());
    }

    /**
     * Publishes {@code n} messages in windows of 16 (16 kB): each window's PUBLISH replies
     * are read, then each reader reads the window's messages and checks they are the next
     * ones in publish order. So a reader keeps up by construction, as a live subscriber
     * does, and its backlog never passes one window, whatever the socket buffers are.
     *
     * @return the PUBLISH replies (receiver counts), in order
     */
    private static List<Long> flood(RespConnection publisher, String channel, int n, RespConnection... readers)
            throws IOException {
        List<Long> counts = new ArrayList<>();
        int window = 16;
        for (int i = 0; i < n; i += window) {
            int end = Math.min(n, i + window);
            for (int j = i; j < end; j++) {
                publisher.send("PUBLISH", channel, payload(j));
            }
            for (RespValue v : publisher.read(end - i)) {
                counts.add(v.asLong());
            }
            for (RespConnection reader : readers) {
                List<RespValue> got = reader.read(end - i);
                assertEquals(end - i, got.size(), "the reader was cut at message " + i);
                for (int j = i; j < end; j++) {
                    assertEquals(List.of("message", channel, payload(j)), got.get(j - i).texts());
                }
            }
        }
        return counts;
    }

    @Test
    void slowRespSubscriberIsCutWhileAReadingOneGetsEveryMessageInOrder() throws Exception {
        FanoutServer server = start(ServerConfig.forTests().withSlow(SlowPolicySettings.hardOnly(64 * 1024))
                .withSocketSendBuffer(8192));
        InetSocketAddress a = server.respAddress();
        RespConnection slow = closeLater(RespConnection.open(a, 4096));
        slow.call("SUBSCRIBE", "flood");
        RespConnection fast = closeLater(RespConnection.open(a));
        fast.call("SUBSCRIBE", "flood");
        RespConnection publisher = closeLater(RespConnection.open(a));

        int n = 2000; // 2 MB, thirty times the threshold
        List<Long> counts = flood(publisher, "flood", n, fast); // fast gets every message, in order
        assertEquals(2L, counts.get(0), "both subscribers at first");
        assertEquals(1L, counts.get(n - 1), "only the reading one at the end");

        List<RespValue> slowGot = slow.readUntilClosed(); // the stream ends: the server cut it
        assertTrue(slow.isClosedByServer());
        assertTrue(slowGot.size() < n, "the slow subscriber missed messages: " + slowGot.size());

        String clients = publisher.call("CLIENT", "LIST").text();
        for (String line : clients.split("\n")) {
            assertTrue(line.matches(".* omem=\\d+ .*"), "omem on every CLIENT LIST line: " + line);
        }
        assertEquals(2, clients.split("\n").length, "the slow client is gone: " + clients);
        assertEquals("1", infoField(publisher, "stats", "client_output_buffer_limit_disconnections"));
    }

    @Test
    void backlogOfASubscriberThatDoesNotReadShowsInClientListAndInfo() throws Exception {
        FanoutServer server = start(ServerConfig.forTests().withSocketSendBuffer(8192));
        InetSocketAddress a = server.respAddress();
        RespConnection stalled = closeLater(RespConnection.open(a, 4096));
        long id = stalled.call("CLIENT", "ID").asLong();
        stalled.call("SUBSCRIBE", "feed");
        RespConnection publisher = closeLater(RespConnection.open(a));
        flood(publisher, "feed", 300);

        Await.until(() -> omemOf(publisher, id) > 100_000, WAIT, "CLIENT LIST omem of the stalled subscriber");
        long maxBacklog = Long.parseLong(infoField(publisher, "clients", "client_recent_max_output_buffer"));
        assertTrue(maxBacklog > 100_000, "INFO clients shows the largest backlog: " + maxBacklog);
        assertEquals("0", infoField(publisher, "stats", "client_output_buffer_limit_disconnections"));
    }

    /**
     * drop-oldest on RESP: nothing is sent in-band (RESP has no frame a RESP2 subscriber would
     * accept mid-stream); the subscriber stays connected, every frame it gets is a whole
     * message in publish order, and CLIENT LIST counts what it missed (dropped=N).
     */
    @Test
    void dropOldestKeepsARespSubscriberOnWholeMessagesAndCountsDrops() throws Exception {
        SlowPolicySettings dropOldest = new SlowPolicySettings(64 * 1024, 0, 0, 0, 0, SlowPolicyMode.DROP_OLDEST, 0);
        FanoutServer server = start(ServerConfig.forTests().withSlow(dropOldest).withSocketSendBuffer(8192));
        InetSocketAddress a = server.respAddress();
        RespConnection slow = closeLater(RespConnection.open(a, 4096));
        long id = slow.call("CLIENT", "ID").asLong();
        slow.call("SUBSCRIBE", "ticker");
        RespConnection publisher = closeLater(RespConnection.open(a));
        int n = 1000;
        List<Long> counts = flood(publisher, "ticker", n);
        assertEquals(1L, counts.get(n - 1), "still subscribed after the flood");
        Await.until(() -> droppedOf(publisher, id) > 0, WAIT, "CLIENT LIST dropped= of the slow subscriber");

        int previous = -1;
        while (previous < n - 1) {
            RespValue m = slow.readOne();
            assertEquals("message", m.get(0).text(), m.escaped());
            String text = m.get(2).text();
            Matcher seq = Pattern.compile("msg-(\\d+)-x+").matcher(text);
            assertTrue(seq.matches() && text.length() == MESSAGE_BYTES, "a whole message: " + text);
            int i = Integer.parseInt(seq.group(1));
            assertTrue(i > previous, "in order: " + i + " after " + previous);
            previous = i;
        }
        assertTrue(droppedOf(publisher, id) > 0);
        assertEquals("PONG", pongText(slow.call("PING")), "the dropped-to subscriber still works");
    }

    /**
     * drop-oldest must never drop a reply: a RESP client pairs replies with its requests in
     * order, so a lost PONG would hand every later reply to the wrong request. The subscriber
     * pings during the flood without reading; afterwards every PONG must be there, in order.
     */
    @Test
    void dropOldestNeverDropsARespReply() throws Exception {
        SlowPolicySettings dropOldest = new SlowPolicySettings(64 * 1024, 0, 0, 0, 0, SlowPolicyMode.DROP_OLDEST, 0);
        FanoutServer server = start(ServerConfig.forTests().withSlow(dropOldest).withSocketSendBuffer(8192));
        InetSocketAddress a = server.respAddress();
        RespConnection slow = closeLater(RespConnection.open(a, 4096));
        long id = slow.call("CLIENT", "ID").asLong();
        slow.call("SUBSCRIBE", "ticker");
        RespConnection publisher = closeLater(RespConnection.open(a));
        int pings = 50;
        for (int k = 0; k < pings; k++) {
            slow.send("PING", "p" + k);
            flood(publisher, "ticker", 32);
        }
        Await.until(() -> droppedOf(publisher, id) > 0, WAIT, "messages were dropped");
        int nextPong = 0;
        while (nextPong < pings) {
            RespValue v = slow.readOne();
            if (v.get(0).text().equals("pong")) {
                assertEquals("p" + nextPong, v.get(1).text(), "PONGs in order, none missing");
                nextPong++;
            } else {
                assertEquals("message", v.get(0).text(), v.escaped());
            }
        }
    }

    private static String pongText(RespValue v) {
        return v.isAggregate() ? v.get(0).text().toUpperCase(java.util.Locale.ROOT) : v.text();
    }

    private static long omemOf(RespConnection admin, long id) {
        return clientListField(admin, id, "omem");
    }

    private static long droppedOf(RespConnection admin, long id) {
        return clientListField(admin, id, "dropped");
    }

    private static long clientListField(RespConnection admin, long id, String field) {
        try {
            String line = admin.call("CLIENT", "LIST", "ID", Long.toString(id)).text();
            Matcher m = Pattern.compile(" " + field + "=(\\d+)").matcher(line);
            assertTrue(m.find(), field + " in " + line);
            return Long.parseLong(m.group(1));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static String infoField(RespConnection c, String section, String field) throws IOException {
        String info = c.call("INFO", section).text();
        for (String line : info.split("\r\n")) {
            if (line.startsWith(field + ":")) {
                return line.substring(field.length() + 1);
            }
        }
        throw new AssertionError(field + " in INFO " + section + ": " + info);
    }
}
