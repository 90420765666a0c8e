package io.fanout.protocol.resp.it;

import static io.fanout.protocol.resp.it.RespConnection.command;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fanout.server.FanoutServer;
import io.fanout.server.ServerConfig;
import io.fanout.testing.Await;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TransactionResult;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.protocol.ProtocolVersion;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Transaction;

/**
 * MULTI / EXEC as applications use them: the publishes of a transaction reach subscribers
 * only at EXEC, in order, and never after DISCARD or an aborted EXEC; Jedis's {@code multi()}
 * and Lettuce's transactions (RESP2 and RESP3) work; a transaction cannot grow without bound.
 * Byte-exact replies are {@link RespDifferentialTest}'s job.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RespTransactionTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final List<FanoutServer> servers = new ArrayList<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();

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

    private RespConnection open(InetSocketAddress a) throws IOException {
        RespConnection c = RespConnection.open(a);
        closeables.add(c);
        return c;
    }

    /** A RESP2 subscriber on {@code channel}, its confirmation read. */
    private RespConnection subscriber(InetSocketAddress a, String channel) throws IOException {
        RespConnection s = open(a);
        s.send("SUBSCRIBE", channel);
        s.read(1);
        return s;
    }

    /**
     * Proves nothing was delivered to {@code s} so far: a RESP2 subscriber's PING reply is
     * queued behind every message already published to it, so the next reply being the pong
     * means no message came first.
     */
    private static void assertNothingDelivered(RespConnection s) throws IOException {
        s.send("PING");
        RespValue next = s.readOne();
        assertEquals("pong", next.get(0).text(), "first reply after PING: " + next.escaped());
    }

    @Test
    void publishesInATransactionReachSubscribersOnlyAtExecInOrder() throws IOException {
        FanoutServer server = start(ServerConfig.forTests());
        RespConnection sub = subscriber(server.respAddress(), "news");
        RespConnection pub = open(server.respAddress());
        assertEquals("OK", pub.call("MULTI").text());
        for (int i = 1; i <= 3; i++) {
            assertEquals("QUEUED", pub.call("PUBLISH", "news", "m" + i).text());
        }
        assertNothingDelivered(sub);

        RespValue replies = pub.call("EXEC");
        assertEquals(List.of(1L, 1L, 1L), List.of(replies.get(0).asLong(), replies.get(1).asLong(),
                replies.get(2).asLong()));
        for (int i = 1; i <= 3; i++) {
            RespValue m = sub.readOne();
            assertEquals("message news m" + i, m.get(0).text() + " " + m.get(1).text() + " " + m.get(2).text());
        }
        assertNothingDelivered(sub);
    }

    @Test
    void nothingIsPublishedAfterDiscardOrAnAbortedExec() throws IOException {
        FanoutServer server = start(ServerConfig.forTests());
        RespConnection sub = subscriber(server.respAddress(), "news");
        RespConnection pub = open(server.respAddress());

        pub.call("MULTI");
        pub.call("PUBLISH", "news", "discarded");
        assertEquals("OK", pub.call("DISCARD").text());

        pub.call("MULTI");
        pub.call("PUBLISH", "news", "aborted");
        assertTrue(pub.call("NOSUCHCOMMAND").text().startsWith("ERR unknown command"));
        pub.call("PUBLISH", "news", "aborted too");
        assertEquals("EXECABORT Transaction discarded because of previous errors.", pub.call("EXEC").text());

        pub.call("MULTI");
        pub.call("PUBLISH", "news", "aborted by EXEC's own error");
        assertTrue(pub.call("EXEC", "extra").text().startsWith("EXECABORT Transaction discarded because of: "));

        assertNothingDelivered(sub);
        assertEquals(1, pub.call("PUBLISH", "news", "after").asLong(), "the connection publishes normally again");
        assertEquals("after", sub.readOne().get(2).text());
    }

    @Test
    void closingInsideMultiPublishesNothing() throws IOException {
        FanoutServer server = start(ServerConfig.forTests());
        RespConnection sub = subscriber(server.respAddress(), "news");
        try (RespConnection pub = RespConnection.open(server.respAddress())) {
            pub.call("MULTI");
            pub.call("PUBLISH", "news", "never");
        }
        Await.until(() -> server.engine().connectedClients() == 1, "the publisher's close is processed");
        assertNothingDelivered(sub);
    }

    @Test
    void jedisMultiExecPublishesAtExec() throws Exception {
        for (DefaultJedisClientConfig config : List.of(
                DefaultJedisClientConfig.builder().timeoutMillis(5000).build(),
                DefaultJedisClientConfig.builder().timeoutMillis(5000).resp3().build())) {
            FanoutServer server = start(ServerConfig.forTests());
            InetSocketAddress a = server.respAddress();
            RespConnection sub = subscriber(a, "jobs");
            Jedis jedis = new Jedis(a.getHostString(), a.getPort(), config);
            closeables.add(jedis);

            Transaction t = jedis.multi();
            t.publish("jobs", "one");
            t.publish("jobs", "two");
            t.publish("nobody", "three");
            assertNothingDelivered(sub);
            assertEquals(List.of(1L, 1L, 0L), t.exec());
            assertEquals("one", sub.readOne().get(2).text());
            assertEquals("two", sub.readOne().get(2).text());

            Transaction d = jedis.multi();
            d.publish("jobs", "discarded");
            assertEquals("OK", d.discard());
            assertNothingDelivered(sub);
            assertEquals("PONG", jedis.ping(), "usable after DISCARD");
        }
    }

    @Test
    void lettuceTransactionsWorkInResp2AndResp3() throws Exception {
        for (ProtocolVersion version : List.of(ProtocolVersion.RESP2, ProtocolVersion.RESP3)) {
            FanoutServer server = start(ServerConfig.forTests());
            InetSocketAddress a = server.respAddress();
            RespConnection sub = subscriber(a, "jobs");
            RedisClient client = RedisClient.create(RedisURI.builder().withHost(a.getHostString())
                    .withPort(a.getPort()).withTimeout(WAIT).build());
            client.setOptions(ClientOptions.builder().protocolVersion(version).autoReconnect(false).build());
            closeables.add(() -> client.shutdown(Duration.ZERO, Duration.ofSeconds(2)));
            StatefulRedisConnection<String, String> connection = client.connect();
            RedisCommands<String, String> sync = connection.sync();

            assertEquals("OK", sync.multi());
            assertEquals(null, sync.publish("jobs", "one"), "queued commands answer null in Lettuce");
            sync.publish("jobs", "two");
            sync.echo("hi");
            assertNothingDelivered(sub);
            TransactionResult result = sync.exec();
            assertEquals(false, result.wasDiscarded(), version.toString());
            assertEquals(List.of(1L, 1L, "hi"), List.of(result.get(0), result.get(1), result.get(2)));
            assertEquals("one", sub.readOne().get(2).text());
            assertEquals("two", sub.readOne().get(2).text());

            sync.multi();
            sync.publish("jobs", "discarded");
            assertEquals("OK", sync.discard());
            assertNothingDelivered(sub);
            connection.close();
        }
    }

    /**
     * One transaction holds at most 8 MiB (or two maximal messages) of queued commands: the
     * command that would pass it is refused and the transaction fails, so EXEC publishes
     * nothing; afterwards the connection can queue again (the bytes were given back).
     */
    @Test
    void aTransactionCannotGrowWithoutBound() throws IOException {
        FanoutServer server = start(ServerConfig.forTests());
        RespConnection sub = subscriber(server.respAddress(), "big");
        RespConnection pub = open(server.respAddress());
        byte[] payload = new byte[1 << 20];
        pub.call("MULTI");
        int queued = 0;
        RespValue reply;
        while (true) {
            pub.send(command("PUBLISH".getBytes(UTF_8), "big".getBytes(UTF_8), payload));
            reply = pub.readOne();
            if (!"QUEUED".equals(reply.text())) {
                break;
            }
            queued++;
            assertTrue(queued < 9, "still queueing after " + queued + " MiB");
        }
        assertEquals(7, queued, "7 MiB fit, the eighth would pass 8 MiB with the overhead");
        assertTrue(reply.text().startsWith("ERR transaction too large"), reply.escaped());
        assertEquals("QUEUED", pub.call("PING").text(), "later commands are answered as Redis answers them");
        assertEquals("EXECABORT Transaction discarded because of previous errors.", pub.call("EXEC").text());
        assertNothingDelivered(sub);

        pub.call("MULTI");
        pub.send(command("PUBLISH".getBytes(UTF_8), "big".getBytes(UTF_8), payload));
        assertEquals("QUEUED", pub.readOne().text(), "room again after EXECABORT");
        RespConnection admin = open(server.respAddress());
        String list = admin.call("CLIENT", "LIST").text();
        assertTrue(list.contains(" flags=x ") && list.contains(" multi=1 ") && list.contains(" multi-mem=1048"),
                "CLIENT LIST shows the open transaction: " + list);
        assertEquals(1, pub.call("EXEC").get(0).asLong());
        assertEquals(payload.length, sub.readOne().get(2).text().length());
        assertTrue(pub.call("CLIENT", "INFO").text().contains(" multi=-1 "));
    }
}
