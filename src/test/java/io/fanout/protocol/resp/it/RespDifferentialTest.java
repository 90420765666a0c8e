package io.fanout.protocol.resp.it;

import static io.fanout.protocol.resp.it.RespConnection.command;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.fanout.server.FanoutServer;
import io.fanout.server.ServerConfig;
import io.fanout.testing.Await;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The same byte scripts sent to fanout and to a real Redis 7 ({@link RedisServerProcess}),
 * replies compared byte for byte (HELLO's connection id aside). Where Redis's answer cannot be
 * matched — the order of replies that come from Redis's hash tables, CLIENT LIST's memory
 * figures, INFO, commands fanout does not have — the test checks the shape instead, and
 * docs/PROTOCOL.md lists the deviation.
 *
 * <p>Each script runs on Redis first, then on a fresh in-process fanout; after each run the
 * test waits until the server has dropped the script's subscriptions, so scripts never see
 * each other's state.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RespDifferentialTest {
    private static final String PASSWORD = "pw";

    private static RedisServerProcess redis;
    private static RedisServerProcess redisWithPassword;

    private final List<FanoutServer> fanouts = new ArrayList<>();
    private FanoutServer fanout;

    @BeforeAll
    static void startRedis() throws Exception {
        redis = RedisServerProcess.start();
        redisWithPassword = RedisServerProcess.start("--requirepass", PASSWORD);
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
        if (redisWithPassword != null) {
            redisWithPassword.close();
        }
    }

    @BeforeEach
    void startFanout() throws IOException {
        fanout = startFanout(ServerConfig.forTests());
    }

    /** Leak check, then stop: every script closed its connections, so none may be left. */
    @AfterEach
    void stopFanouts() {
        try {
            for (FanoutServer f : fanouts) {
                awaitNoConnectionLeft(f);
            }
        } finally {
            for (FanoutServer f : fanouts) {
                f.close();
            }
        }
    }

    static void awaitNoConnectionLeft(FanoutServer f) {
        Await.until(() -> f.engine().connectedClients() == 0 && f.engine().totalPendingBytes() == 0, Await.DEFAULT,
                () -> "no connection and no queued byte left (connections: " + f.engine().connectedClients()
                        + ", pending: " + f.engine().totalPendingBytes() + ")");
    }

    private FanoutServer startFanout(ServerConfig config) throws IOException {
        FanoutServer f = FanoutServer.start(config);
        fanouts.add(f);
        return f;
    }

    // ---- running scripts on both servers --------------------------------------------

    /** Plays every script on Redis and on fanout; fails listing every script that differed. */
    private void assertSameAsRedis(RespScript... scripts) throws IOException {
        assertSame(redis.address(), null, fanout.respAddress(), null, scripts);
    }

    private void assertSame(InetSocketAddress redisAddress, String redisPassword, InetSocketAddress fanoutAddress,
                            String fanoutPassword, RespScript... scripts) throws IOException {
        List<String> differences = new ArrayList<>();
        awaitNoSubscriptions(redisAddress, redisPassword); // other tests' connections are gone too
        awaitNoSubscriptions(fanoutAddress, fanoutPassword);
        for (RespScript script : scripts) {
            Map<Integer, List<RespValue>> expected = script.run(redisAddress);
            awaitNoSubscriptions(redisAddress, redisPassword);
            Map<Integer, List<RespValue>> actual;
            try {
                actual = script.run(fanoutAddress);
            } catch (AssertionError e) { // a reply Redis sent never came: name the script
                differences.add("script '" + script.name() + "' on fanout: " + e.getMessage());
                awaitNoSubscriptions(fanoutAddress, fanoutPassword);
                continue;
            }
            awaitNoSubscriptions(fanoutAddress, fanoutPassword);
            String d = script.difference(actual, expected);
            if (d != null) {
                differences.add(d);
            }
        }
        if (!differences.isEmpty()) {
            fail(differences.size() + " of " + scripts.length + " scripts differ from Redis:\n"
                    + String.join("\n", differences));
        }
    }

    /**
     * Waits until the server has processed the closes of every earlier connection (no
     * subscription left, no client but this probe), then closes the probe with QUIT, which the
     * server carries out itself: the next script meets a server with no other client, so even
     * replies that count clients (CLIENT KILL SKIPME yes) are the same on both servers.
     */
    private static void awaitNoSubscriptions(InetSocketAddress server, String password) throws IOException {
        try (RespConnection c = RespConnection.open(server)) {
            if (password != null) {
                c.call("AUTH", password);
            }
            Await.until(() -> {
                try {
                    return c.call("PUBSUB", "CHANNELS").size() == 0 && c.call("PUBSUB", "SHARDCHANNELS").size() == 0
                            && c.call("PUBSUB", "NUMPAT").asLong() == 0
                            && c.call("INFO", "clients").text().contains("\r\nconnected_clients:1\r\n");
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            }, "no channel, shard channel, pattern or other client left on " + server);
            c.call("QUIT");
            c.readUntilClosed();
        }
    }

    private static RespScript s(int replies, String... command) {
        return RespScript.of(replies, command);
    }

    private static RespScript named(String name) {
        return RespScript.named(name);
    }

    private static byte[] message(String kind, String... parts) {
        String[] all = new String[parts.length + 1];
        all[0] = kind;
        System.arraycopy(parts, 0, all, 1, parts.length);
        return command(all); // a RESP2 message has the same bytes as a multibulk request
    }

    // ---- PING, ECHO, SELECT ----------------------------------------------------------

    @Test
    void pingEchoAndSelectAnswerAsRedis() throws IOException {
        byte[] everyByte = new byte[256];
        for (int i = 0; i < everyByte.length; i++) {
            everyByte[i] = (byte) i;
        }
        assertSameAsRedis(
                s(1, "PING"), s(1, "PING", "hello"), s(1, "PING", "a", "b"), s(1, "ping"), s(1, "PING", ""),
                s(1, "ECHO"), s(1, "ECHO", "x", "y"), s(1, "ECHO", "hi"), s(1, "ECHO", ""), s(1, "EcHo", "MiXeD"),
                named("ECHO binary").send(command("ECHO".getBytes(UTF_8), everyByte)).expect(1),
                s(1, "SELECT", "0"), s(1, "SELECT", "1"), s(1, "SELECT", "15"), s(1, "SELECT", "16"),
                s(1, "SELECT", "-1"), s(1, "SELECT", "abc"), s(1, "SELECT", ""), s(1, "SELECT", "00"),
                s(1, "SELECT", "99999999999999999999"), s(1, "SELECT", "2147483648"), s(1, "SELECT"),
                s(1, "SELECT", "0", "1"),
                named("HELLO 3 then PING/ECHO").send("HELLO", "3").send("PING").send("PING", "x")
                        .send("ECHO", "y").send("SELECT", "abc").expect(5));
    }

    // ---- SUBSCRIBE family --------------------------------------------------------------

    @Test
    void subscribeAndUnsubscribeRepliesMatchRedis() throws IOException {
        assertSameAsRedis(
                s(1, "SUBSCRIBE"), s(1, "PSUBSCRIBE"), s(1, "SSUBSCRIBE"),
                s(1, "UNSUBSCRIBE"), s(1, "PUNSUBSCRIBE"), s(1, "SUNSUBSCRIBE"),
                s(2, "UNSUBSCRIBE", "a", "b"), s(1, "PUNSUBSCRIBE", "a*"), s(1, "SUNSUBSCRIBE", "s"),
                s(2, "SUBSCRIBE", "a", "b"), s(2, "SUBSCRIBE", "a", "a"), s(3, "PSUBSCRIBE", "a*", "b?", "a*"),
                s(2, "SSUBSCRIBE", "s1", "s2"),
                named("subscribe then unsubscribe named").send("SUBSCRIBE", "a", "b", "c")
                        .send("UNSUBSCRIBE", "b", "zz", "a").expect(6),
                named("unsubscribe all with one channel").send("SUBSCRIBE", "a").send("UNSUBSCRIBE").expect(2),
                named("punsubscribe all with one pattern").send("PSUBSCRIBE", "p*").send("PUNSUBSCRIBE")
                        .expect(2),
                named("sunsubscribe all with one").send("SSUBSCRIBE", "s").send("SUNSUBSCRIBE").expect(2),
                named("channels and patterns count together, shards apart")
                        .send("SUBSCRIBE", "a").send("PSUBSCRIBE", "b*").send("SSUBSCRIBE", "c", "d")
                        .send("SUBSCRIBE", "e").send("SUNSUBSCRIBE", "c").send("UNSUBSCRIBE", "a")
                        .send("PUNSUBSCRIBE", "b*").send("UNSUBSCRIBE", "e").send("SUNSUBSCRIBE", "d")
                        .expect(10),
                named("same name as channel, pattern and shard").send("SUBSCRIBE", "x").send("PSUBSCRIBE", "x")
                        .send("SSUBSCRIBE", "x").send("UNSUBSCRIBE", "x").send("PUNSUBSCRIBE", "x")
                        .send("SUNSUBSCRIBE", "x").expect(6),
                named("RESP3 subscribe family").send("HELLO", "3").send("SUBSCRIBE", "a", "b")
                        .send("PSUBSCRIBE", "p*").send("SSUBSCRIBE", "s").send("UNSUBSCRIBE", "b")
                        .send("PUNSUBSCRIBE").send("SUNSUBSCRIBE").send("UNSUBSCRIBE", "a").send("UNSUBSCRIBE")
                        .expect(10),
                named("empty channel name").send("SUBSCRIBE", "").send("UNSUBSCRIBE", "").expect(2));
    }

    /**
     * UNSUBSCRIBE with no argument walks Redis's channel dictionary, whose order is seeded at
     * random per process: compare the channels and the falling counts, not their order.
     */
    @Test
    void unsubscribeAllRemovesEveryChannelWithFallingCounts() throws IOException {
        for (String[] family : new String[][] {
            {"SUBSCRIBE", "UNSUBSCRIBE", "unsubscribe"},
            {"PSUBSCRIBE", "PUNSUBSCRIBE", "punsubscribe"},
            {"SSUBSCRIBE", "SUNSUBSCRIBE", "sunsubscribe"}}) {
            for (InetSocketAddress server : List.of(redis.address(), fanout.respAddress())) {
                try (RespConnection c = RespConnection.open(server)) {
                    c.send(family[0], "a", "b", "c");
                    c.read(3);
                    c.send(family[1]);
                    List<RespValue> replies = c.read(3);
                    TreeSet<String> names = new TreeSet<>();
                    for (int i = 0; i < 3; i++) {
                        RespValue r = replies.get(i);
                        assertEquals(family[2], r.get(0).text(), r.escaped());
                        names.add(r.get(1).text());
                        assertEquals(2 - i, r.get(2).asLong(), "count after each removal on " + server);
                    }
                    assertEquals(new TreeSet<>(List.of("a", "b", "c")), names);
                    assertEquals("+PONG", c.call("PING").escaped().replace("\\r\\n", ""),
                            "no longer subscribed on " + server);
                }
                awaitNoSubscriptions(server, null);
            }
        }
    }

    @Test
    void pingInSubscribedModeMatchesRedisInResp2AndResp3() throws IOException {
        assertSameAsRedis(
                named("RESP2 subscribed PING").send("SUBSCRIBE", "a").send("PING").send("PING", "x")
                        .send("PING", "").send("PING", "a", "b").send("ping").expect(6),
                named("RESP2 psubscribed PING").send("PSUBSCRIBE", "a*").send("PING").expect(2),
                named("RESP2 ssubscribed PING").send("SSUBSCRIBE", "a").send("PING", "y").expect(2),
                named("RESP2 PING after leaving").send("SUBSCRIBE", "a").send("UNSUBSCRIBE", "a").send("PING")
                        .expect(3),
                named("RESP3 subscribed PING").send("HELLO", "3").send("SUBSCRIBE", "a").send("PING")
                        .send("PING", "x").send("PING", "a", "b").expect(5),
                named("inline PING while subscribed").sendRaw("SUBSCRIBE a\r\nPING\r\nPING hi\r\n").expect(3));
    }

    @Test
    void resp2SubscribedModeRefusesWhatRedisRefuses() throws IOException {
        List<RespScript> scripts = new ArrayList<>();
        String[][] refusedOrNot = {
            {"ECHO", "x"}, {"PUBLISH", "a", "b"}, {"SPUBLISH", "a", "b"}, {"SELECT", "0"}, {"CLIENT", "ID"},
            {"CLIENT", "GETNAME"}, {"CLIENT", "FOO"}, {"PUBSUB", "NUMPAT"}, {"INFO"}, {"COMMAND", "COUNT"},
            {"AUTH", "x"}, {"FOO", "bar"}, {"ECHO"}, {"QUIT", "now"}, {"RESET"}, {"HELLO", "2"}, {"PUBSUB"},
        };
        for (String[] cmd : refusedOrNot) {
            scripts.add(named("subscribed: " + String.join(" ", cmd)).send("SUBSCRIBE", "a").send(cmd).expect(2));
            scripts.add(named("psubscribed: " + String.join(" ", cmd)).send("PSUBSCRIBE", "a*").send(cmd)
                    .expect(2));
            scripts.add(named("ssubscribed: " + String.join(" ", cmd)).send("SSUBSCRIBE", "a").send(cmd)
                    .expect(2));
        }
        scripts.add(named("RESP3 subscribed may run anything").send("HELLO", "3").send("SUBSCRIBE", "a")
                .send("ECHO", "x").send("PUBLISH", "a", "m").expect(5));
        scripts.add(named("HELLO 3 while subscribed lifts the limit").send("SUBSCRIBE", "a").send("ECHO", "x")
                .send("HELLO", "3").send("ECHO", "y").send("HELLO", "2").send("ECHO", "z").expect(6));
        assertSameAsRedis(scripts.toArray(new RespScript[0]));
    }

    // ---- PUBLISH, SPUBLISH and what subscribers receive ---------------------------------

    @Test
    void publishCountsAndDeliveredMessagesMatchRedis() throws IOException {
        byte[] big = new byte[100_000];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) ('a' + i % 26);
        }
        assertSameAsRedis(
                named("no subscriber").send("PUBLISH", "nobody", "x").send("SPUBLISH", "nobody", "x").expect(2),
                named("one subscriber").on(0).send("SUBSCRIBE", "news").expect(1)
                        .on(1).send("PUBLISH", "news", "hello").send("PUBLISH", "other", "x").expect(2)
                        .on(0).expect(1),
                named("channel, pattern, both and RESP3")
                        .on(0).send("SUBSCRIBE", "ch").expect(1)
                        .on(1).send("PSUBSCRIBE", "c*").expect(1)
                        .on(2).send("SUBSCRIBE", "ch").send("PSUBSCRIBE", "c?").expect(2)
                        .on(3).send("HELLO", "3").send("SUBSCRIBE", "ch").send("PSUBSCRIBE", "*").expect(3)
                        .on(4).send("PUBLISH", "ch", "m1").send("PUBLISH", "cx", "m2").send("PUBLISH", "zz", "m3")
                        .expect(3)
                        .on(0).expect(1).on(1).expect(2).on(2).expect(3).on(3).expect(4),
                named("shard channels are apart from channels and patterns")
                        .on(0).send("SSUBSCRIBE", "s").expect(1)
                        .on(1).send("PSUBSCRIBE", "s*").expect(1)
                        .on(2).send("SUBSCRIBE", "s").expect(1)
                        .on(3).send("HELLO", "3").send("SSUBSCRIBE", "s").expect(2)
                        .on(4).send("SPUBLISH", "s", "sharded").send("PUBLISH", "s", "plain").expect(2)
                        .on(0).expect(1).on(1).expect(1).on(2).expect(1).on(3).expect(1),
                named("payloads: empty, binary, 100 kB")
                        .on(0).send("SUBSCRIBE", "p").expect(1)
                        .on(1).send("PUBLISH", "p", "").send(command("PUBLISH".getBytes(UTF_8), "p".getBytes(UTF_8),
                                new byte[] {0, '\r', '\n', (byte) 0xff}))
                        .send(command("PUBLISH".getBytes(UTF_8), "p".getBytes(UTF_8), big)).expect(3)
                        .on(0).expect(3),
                named("binary channel names").on(0)
                        .send(command("SUBSCRIBE".getBytes(UTF_8), new byte[] {0, (byte) 0xff, '\r', '\n'}))
                        .send(command("PSUBSCRIBE".getBytes(UTF_8), new byte[] {'*', (byte) 0xff, '*'})).expect(2)
                        .on(1).send(command("PUBLISH".getBytes(UTF_8), new byte[] {0, (byte) 0xff, '\r', '\n'},
                                "bin".getBytes(UTF_8)))
                        .send(command("PUBSUB".getBytes(UTF_8), "NUMSUB".getBytes(UTF_8),
                                new byte[] {0, (byte) 0xff, '\r', '\n'})).expect(2)
                        .on(0).expect(2),
                named("RESP3 publisher subscribed to its own channel")
                        .send("HELLO", "3").send("SUBSCRIBE", "me").send("PUBLISH", "me", "self").expect(4),
                named("HELLO switches the form of messages already subscribed")
                        .on(0).send("SUBSCRIBE", "x").send("PSUBSCRIBE", "x*").send("HELLO", "3").expect(3)
                        .on(1).send("PUBLISH", "x", "one").expect(1)
                        .on(0).expect(2).send("HELLO", "2").expect(1)
                        .on(1).send("PUBLISH", "x", "two").expect(1)
                        .on(0).expect(2),
                named("unsubscribed connections receive nothing")
                        .on(0).send("SUBSCRIBE", "x", "y").send("UNSUBSCRIBE", "x").expect(3)
                        .on(1).send("PUBLISH", "x", "gone").send("PUBLISH", "y", "here").expect(2)
                        .on(0).expect(1),
                named("one publisher's messages arrive in order")
                        .on(0).send("SUBSCRIBE", "o").expect(1)
                        .on(1).send("PUBLISH", "o", "1").send("PUBLISH", "o", "2").send("PUBLISH", "o", "3")
                        .send("PUBLISH", "o", "4").expect(4)
                        .on(0).expect(4));
    }

    /**
     * Redis's glob rules: publish a set of channels to one pattern subscriber per pattern, on
     * both servers, and compare who receives what (the publisher's counts and every message).
     */
    @Test
    void patternMatchingFollowsRedisGlobRules() throws IOException {
        String[] patterns = {
            "*", "?", "h?llo", "h*llo", "h[ae]llo", "h[^e]llo", "h[a-b]llo", "h[b-a]llo", "h\\*llo", "h\\?llo",
            "h[\\]]llo", "[", "h[", "h[a", "\\", "a\\", "**", "*o", "h*", "news.*", "news.[ab]?", "[!a]*",
            "[^a-c]*", "[a-]", "[-a]", "h[e-]llo", "\\[", "*\\*", "?*?", "h[a-z][a-z]?o",
            // Bytes over 0x7f: Redis compares them as C chars (signed on x86-64).
            "[\u0080-\u00ff]*", "[a-\u00c3]*", "[\u00c3-z]*", "?\u00a9", "\u00e9",
        };
        String[] channels = {
            "hello", "hallo", "hxllo", "hbllo", "hllo", "heeeello", "h*llo", "h?llo", "h]llo", "h-llo", "h",
            "h[", "h[a", "[", "\\", "a\\", "a", "ab", "o", "news.ax", "news.bx", "news.cx", "news.", "!a", "-",
            "aa", "x*", "*", "", "\u00e9", "\u007f", "z", "\u00c3", "\u00ff",
        };
        byte[] done = message("message", "end!", "done");
        List<RespScript> scripts = new ArrayList<>();
        for (String pattern : patterns) {
            RespScript s = named("PSUBSCRIBE " + pattern)
                    .on(0).send("PSUBSCRIBE", pattern).send("SUBSCRIBE", "end!").expect(2)
                    .on(1);
            for (String channel : channels) {
                s.send("PUBLISH", channel, "to " + channel);
            }
            s.send("PUBLISH", "end!", "done").expect(channels.length + 1)
                    .on(0).expectUntil(done);
            scripts.add(s);
        }
        assertSameAsRedis(scripts.toArray(new RespScript[0]));
    }

    // ---- PUBSUB ------------------------------------------------------------------------

    @Test
    void pubsubIntrospectionMatchesRedis() throws IOException {
        assertSameAsRedis(
                s(1, "PUBSUB"), s(1, "PUBSUB", "CHANNELS"), s(1, "PUBSUB", "CHANNELS", "a", "b"),
                s(1, "PUBSUB", "channels", "x", "y"), s(1, "PUBSUB", "NUMSUB"), s(1, "PUBSUB", "NUMSUB", "a", "b"),
                s(1, "PUBSUB", "NUMPAT"), s(1, "PUBSUB", "NUMPAT", "x"), s(1, "PUBSUB", "SHARDCHANNELS"),
                s(1, "PUBSUB", "SHARDCHANNELS", "a", "b"), s(1, "PUBSUB", "SHARDNUMSUB"),
                s(1, "PUBSUB", "SHARDNUMSUB", "a"), s(1, "PUBSUB", "HELP"), s(1, "PUBSUB", "help", "x"),
                s(1, "PUBSUB", "FOO"), s(1, "PUBSUB", "FOO", "bar"), s(1, "PUBSUB", "NUMSUBX"),
                named("PUBSUB with subscribers").unordered()
                        .on(0).send("SUBSCRIBE", "n1", "n2", "other").send("PSUBSCRIBE", "p*", "q?").expect(5)
                        .on(1).send("SUBSCRIBE", "n1").send("PSUBSCRIBE", "p*").send("SSUBSCRIBE", "s1", "s2")
                        .expect(4)
                        .on(2).send("PUBSUB", "CHANNELS").send("PUBSUB", "CHANNELS", "n*")
                        .send("PUBSUB", "CHANNELS", "n[2-9]").send("PUBSUB", "CHANNELS", "zz*")
                        .send("PUBSUB", "NUMSUB", "n1", "n2", "zz", "n1").send("PUBSUB", "NUMPAT")
                        .send("PUBSUB", "SHARDCHANNELS").send("PUBSUB", "SHARDCHANNELS", "*2")
                        .send("PUBSUB", "SHARDNUMSUB", "s1", "n1").expect(9),
                named("PUBSUB in RESP3").on(0).send("SUBSCRIBE", "r3").expect(1)
                        .on(1).send("HELLO", "3").send("PUBSUB", "NUMSUB", "r3").send("PUBSUB", "CHANNELS", "r*")
                        .send("PUBSUB", "NUMPAT").expect(4));
    }

    // ---- HELLO, AUTH -------------------------------------------------------------------

    @Test
    void helloMatchesRedisApartFromTheConnectionId() throws IOException {
        assertSameAsRedis(
                s(1, "HELLO"), s(1, "HELLO", "2"), s(1, "HELLO", "3"), s(1, "HELLO", "4"), s(1, "HELLO", "1"),
                s(1, "HELLO", "0"), s(1, "HELLO", "-1"), s(1, "HELLO", "abc"), s(1, "HELLO", "3.0"),
                s(1, "HELLO", "3", "AUTH", "default", "anything"), s(1, "HELLO", "3", "AUTH", "default"),
                s(1, "HELLO", "3", "AUTH", "nobody", "x"), s(1, "HELLO", "AUTH", "default", "x"),
                s(1, "HELLO", "3", "SETNAME"), s(1, "HELLO", "3", "SETNAME", "a b"),
                s(1, "HELLO", "3", "SETNAME", "ok", "extra"), s(1, "HELLO", "3", "FOO"),
                s(1, "HELLO", "2", "foo", "bar"), s(1, "HELLO", "3", "auth", "default", "x", "setname", "n"),
                named("HELLO SETNAME then GETNAME").send("HELLO", "3", "SETNAME", "foo").send("CLIENT", "GETNAME")
                        .expect(2),
                named("HELLO 3 then 2 then PING").send("HELLO", "3").send("HELLO", "2").send("PING").expect(3),
                named("failed HELLO keeps the protocol").send("HELLO", "3").send("HELLO", "4")
                        .send("CLIENT", "GETNAME").expect(3),
                named("bad SETNAME in HELLO keeps the protocol").send("HELLO", "3", "SETNAME", "a b")
                        .send("CLIENT", "GETNAME").expect(2));
    }

    @Test
    void authWithoutAPasswordConfiguredMatchesRedis() throws IOException {
        assertSameAsRedis(
                s(1, "AUTH"), s(1, "AUTH", "x"), s(1, "AUTH", "a", "b"), s(1, "AUTH", "default", "x"),
                s(1, "AUTH", "a", "b", "c"),
                named("AUTH then PING").send("AUTH", "default", "whatever").send("PING").expect(2));
    }

    @Test
    void authNoauthAndWrongpassMatchRedisWithAPassword() throws IOException {
        FanoutServer secured = startFanout(ServerConfig.forTests().withRequirePass(PASSWORD));
        assertSame(redisWithPassword.address(), PASSWORD, secured.respAddress(), PASSWORD,
                s(1, "PING"), s(1, "ECHO", "x"), s(1, "SUBSCRIBE", "a"), s(1, "PUBLISH", "a", "b"),
                s(1, "CLIENT", "ID"), s(1, "PUBSUB", "NUMPAT"), s(1, "SELECT", "0"),
                s(1, "FOO", "bar"), s(1, "ECHO"), s(1, "CLIENT", "FOO"),
                s(1, "AUTH"), s(1, "AUTH", "x"), s(1, "AUTH", PASSWORD), s(1, "AUTH", "default", PASSWORD),
                s(1, "AUTH", "default", "x"), s(1, "AUTH", "nobody", PASSWORD), s(1, "AUTH", "a", "b", "c"),
                s(1, "HELLO"), s(1, "HELLO", "3"), s(1, "HELLO", "3", "SETNAME", "x"), s(1, "HELLO", "4"),
                s(1, "HELLO", "abc"), s(1, "HELLO", "3", "AUTH", "default", "x"),
                s(1, "HELLO", "3", "AUTH", "default", PASSWORD), s(1, "HELLO", "2", "AUTH", "nobody", PASSWORD),
                s(1, "HELLO", "3", "AUTH", "default", PASSWORD, "SETNAME", "a b"),
                s(1, "QUIT"), s(1, "RESET"),
                named("wrong then right").send("AUTH", "x").send("PING").send("AUTH", PASSWORD).send("PING")
                        .expect(4),
                named("HELLO AUTH and SETNAME").send("HELLO", "2", "AUTH", "default", PASSWORD, "SETNAME", "x")
                        .send("CLIENT", "GETNAME").expect(2),
                named("RESET forgets the authentication").send("AUTH", PASSWORD).send("RESET").send("PING")
                        .expect(3),
                named("authenticated subscriber").on(0).send("AUTH", PASSWORD).send("SUBSCRIBE", "c").expect(2)
                        .on(1).send("PUBLISH", "c", "before auth").send("AUTH", PASSWORD)
                        .send("PUBLISH", "c", "after").expect(3)
                        .on(0).expect(1),
                RespScript.raw("inline PING before AUTH", "PING\r\n", 1),
                RespScript.raw("more than 10 arguments before AUTH", "*11\r\n", 0).closes(),
                RespScript.raw("bulk over 16 kB before AUTH", "*2\r\n$4\r\nECHO\r\n$20000\r\n", 0).closes(),
                named("limits lifted after AUTH").send("AUTH", PASSWORD)
                        .send("PUBLISH", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k").expect(2));
    }

    // ---- CLIENT ------------------------------------------------------------------------

    @Test
    void clientSubcommandsMatchRedis() throws IOException {
        assertSameAsRedis(
                s(1, "CLIENT"), s(1, "CLIENT", "ID", "x"), s(1, "CLIENT", "SETNAME"), s(1, "CLIENT", "GETNAME"),
                s(1, "CLIENT", "GETNAME", "x"), s(1, "CLIENT", "INFO", "x"), s(1, "CLIENT", "FOO"),
                s(1, "CLIENT", "FOO", "bar"), s(1, "client", "Foo"), s(1, "CLIENT", "LIST", "x"),
                named("SETNAME then GETNAME").send("CLIENT", "SETNAME", "worker-1").send("CLIENT", "GETNAME")
                        .expect(2),
                named("SETNAME empty clears").send("CLIENT", "SETNAME", "a").send("CLIENT", "SETNAME", "")
                        .send("CLIENT", "GETNAME").expect(3),
                s(1, "CLIENT", "SETNAME", "a b"), s(1, "CLIENT", "SETNAME", "a\nb"),
                s(1, "CLIENT", "SETNAME", "a\u007fb"), s(1, "CLIENT", "SETNAME", "caf\u00e9"),
                s(1, "CLIENT", "SETNAME", "tab\there"), s(1, "CLIENT", "SETNAME", "~!@#$%^&*()"),
                named("bad name keeps the old one").send("CLIENT", "SETNAME", "good")
                        .send("CLIENT", "SETNAME", "b a d").send("CLIENT", "GETNAME").expect(3),
                named("RESP3 GETNAME null").send("HELLO", "3").send("CLIENT", "GETNAME").expect(2),
                s(1, "CLIENT", "KILL"), s(1, "CLIENT", "KILL", "1.2.3.4:5"), s(1, "CLIENT", "KILL", "ID"),
                s(1, "CLIENT", "KILL", "ID", "abc"), s(1, "CLIENT", "KILL", "ID", "0"),
                s(1, "CLIENT", "KILL", "ID", "-1"), s(1, "CLIENT", "KILL", "ID", "999999"),
                s(1, "CLIENT", "KILL", "ID", "1", "ID"), s(1, "CLIENT", "KILL", "foo", "bar"),
                s(1, "CLIENT", "KILL", "TYPE", "foo"), s(1, "CLIENT", "KILL", "TYPE", "master"),
                s(1, "CLIENT", "KILL", "TYPE", "pubsub"), s(1, "CLIENT", "KILL", "SKIPME", "maybe"),
                s(1, "CLIENT", "KILL", "SKIPME", "yes"), s(1, "CLIENT", "KILL", "USER", "nobody"),
                s(1, "CLIENT", "KILL", "USER", "default"), s(1, "CLIENT", "KILL", "ADDR", "1.2.3.4:5"),
                s(1, "CLIENT", "KILL", "LADDR", "1.2.3.4:5"), s(1, "CLIENT", "KILL", "MAXAGE", "10"),
                named("CLIENT KILL of itself replies, then closes").send("CLIENT", "KILL", "USER", "default",
                        "SKIPME", "no").expect(1).closes(),
                s(1, "CLIENT", "LIST", "TYPE"), s(1, "CLIENT", "LIST", "TYPE", "foo"),
                s(1, "CLIENT", "LIST", "TYPE", "master"), s(1, "CLIENT", "LIST", "TYPE", "replica"),
                s(1, "CLIENT", "LIST", "ID"), s(1, "CLIENT", "LIST", "ID", "abc"), s(1, "CLIENT", "LIST", "ID", "0"),
                s(1, "CLIENT", "LIST", "ID", "-5"), s(1, "CLIENT", "LIST", "ID", "999999"),
                s(1, "CLIENT", "LIST", "ID", "1", "abc"), s(1, "CLIENT", "LIST", "TYPE", "normal", "ID", "5"),
                s(1, "CLIENT", "LIST", "ID", "5", "TYPE", "normal"));
    }

    /** CLIENT ID is a positive integer, the same HELLO reports, and unique per connection. */
    @Test
    void clientIdIsTheHelloIdAndUnique() throws IOException {
        for (InetSocketAddress server : List.of(redis.address(), fanout.respAddress())) {
            try (RespConnection a = RespConnection.open(server); RespConnection b = RespConnection.open(server)) {
                long idA = a.call("CLIENT", "ID").asLong();
                long idB = b.call("CLIENT", "ID").asLong();
                assertTrue(idA > 0 && idB > 0 && idA != idB, "ids " + idA + ", " + idB + " on " + server);
                RespValue hello = a.call("HELLO", "3");
                assertEquals('%', hello.type());
                assertEquals(idA, helloField(hello, "id").asLong());
                assertEquals(":" + idA, a.call("CLIENT", "ID").escaped().replace("\\r\\n", ""));
                assertTrue(a.call("CLIENT", "INFO").text().startsWith("txt:id=" + idA + " "), server.toString());
            }
        }
    }

    private static RespValue helloField(RespValue map, String key) {
        for (int i = 0; i < map.size(); i += 2) {
            if (key.equals(map.get(i).text())) {
                return map.get(i + 1);
            }
        }
        throw new AssertionError("no " + key + " in " + map.escaped());
    }

    /**
     * CLIENT INFO / LIST: every field Redis 7.0 prints is there, in Redis's order, and the
     * fields that describe the client (not memory or timing) have Redis's values.
     */
    @Test
    void clientInfoHasRedisFieldsInOrderWithTheSameValues() throws IOException {
        Map<String, String> expected = clientInfoAfterSetup(redis.address());
        Map<String, String> actual = clientInfoAfterSetup(fanout.respAddress());
        List<String> redisKeys = new ArrayList<>(expected.keySet());
        List<String> fanoutKeys = new ArrayList<>(actual.keySet());
        assertTrue(fanoutKeys.size() >= redisKeys.size(), "fanout has fewer fields: " + fanoutKeys);
        assertEquals(redisKeys, fanoutKeys.subList(0, redisKeys.size()), "Redis's fields first, in its order");
        for (String key : List.of("fd", "name", "flags", "db", "sub", "psub", "ssub", "multi", "cmd", "user",
                "redir", "resp")) {
            if (key.equals("fd")) {
                continue; // Java has no file descriptors to show: fd=-1
            }
            assertEquals(expected.get(key), actual.get(key), "CLIENT INFO " + key);
        }
        assertTrue(actual.get("addr").startsWith("127.0.0.1:"), actual.get("addr"));
        assertEquals("127.0.0.1:" + fanout.respAddress().getPort(), actual.get("laddr"));
        assertTrue(Long.parseLong(actual.get("omem")) >= 0);
    }

    private static Map<String, String> clientInfoAfterSetup(InetSocketAddress server) throws IOException {
        try (RespConnection c = RespConnection.open(server)) {
            c.call("HELLO", "3", "SETNAME", "probe");
            c.send("SUBSCRIBE", "a", "b");
            c.send("PSUBSCRIBE", "p*");
            c.send("SSUBSCRIBE", "s");
            c.read(4);
            RespValue info = c.call("CLIENT", "INFO");
            assertEquals('=', info.type(), "RESP3 CLIENT INFO is a verbatim string: " + info.escaped());
            String line = info.text().substring("txt:".length()).trim();
            Map<String, String> fields = new LinkedHashMap<>();
            for (String kv : line.split(" ")) {
                int eq = kv.indexOf('=');
                fields.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
            RespValue list = c.call("CLIENT", "LIST", "ID", fields.get("id"));
            assertTrue(list.text().startsWith("txt:id=" + fields.get("id") + " "), list.escaped());
            return fields;
        } finally {
            awaitNoSubscriptions(server, null);
        }
    }

    /**
     * Redis 7.0 has no CLIENT SETINFO (7.2 added it); fanout accepts it because Lettuce and
     * Jedis send it on connect. A documented deviation, checked on both sides.
     */
    @Test
    void clientSetinfoIsAcceptedWhereRedis70RefusesIt() throws IOException {
        try (RespConnection r = RespConnection.open(redis.address());
             RespConnection f = RespConnection.open(fanout.respAddress())) {
            assertEquals("ERR unknown subcommand 'SETINFO'. Try CLIENT HELP.",
                    r.call("CLIENT", "SETINFO", "lib-name", "x").text());
            assertEquals("OK", f.call("CLIENT", "SETINFO", "LIB-NAME", "mylib").text());
            assertEquals("OK", f.call("CLIENT", "SETINFO", "lib-ver", "1.2.3").text());
            assertEquals("ERR Unrecognized option 'foo'", f.call("CLIENT", "SETINFO", "foo", "x").text());
            assertTrue(f.call("CLIENT", "SETINFO", "lib-name", "a b").isError());
            assertTrue(f.call("CLIENT", "SETINFO", "lib-name").isError(), "arity");
            String info = f.call("CLIENT", "INFO").text();
            assertTrue(info.contains(" lib-name=mylib lib-ver=1.2.3 "), info);
        }
    }

    // ---- unknown commands, arity, subcommands ----------------------------------------------

    @Test
    void unknownCommandsAndWrongArityMatchRedis() throws IOException {
        String longArg = "x".repeat(300);
        String[] manyArgs = new String[30];
        manyArgs[0] = "NOSUCHCOMMAND";
        for (int i = 1; i < manyArgs.length; i++) {
            manyArgs[i] = "argument-number-" + i;
        }
        assertSameAsRedis(
                s(1, "FOO"), s(1, "FOO", "bar", "baz"), s(1, "foo", "a b"), s(1, "FOO", ""), s(1, longArg),
                s(1, "FOO", longArg, "second"), s(1, manyArgs), s(1, "caf\u00e9", "\u00e9t\u00e9"),
                s(1, "FOO", "line\r\nbreak"),
                s(1, "ECHO"), s(1, "PUBLISH"), s(1, "PUBLISH", "a"), s(1, "PUBLISH", "a", "b", "c"),
                s(1, "SPUBLISH", "a"), s(1, "SUBSCRIBE"), s(1, "PSUBSCRIBE"), s(1, "SSUBSCRIBE"), s(1, "AUTH"),
                s(1, "CLIENT", "SETNAME"), s(1, "CLIENT", "SETNAME", "a", "b"), s(1, "CLIENT", "GETNAME", "x"),
                s(1, "CLIENT", "ID", "x"), s(1, "CLIENT", "KILL"), s(1, "PUBSUB", "NUMPAT", "x"),
                s(1, "PUBSUB", "HELP", "x"), s(1, "RESET", "x"), s(1, "COMMAND", "COUNT", "x"),
                s(1, "COMMAND", "HELP", "x"), s(1, "SELECT", "1", "2"),
                s(1, "PUBSUB", "FOO"), s(1, "CLIENT", "FOO"), s(1, "COMMAND", "FOO"), s(1, "PUBSUB", longArg),
                named("errors do not end the connection").send("FOO").send("ECHO").send("PING").expect(3),
                // Redis prints names and arguments with C's %.*s: a NUL ends them, 128 is in bytes.
                s(1, "PI\u0000G"), s(1, "FOO", "a\u0000b", "c"), s(1, "FOO", "\u00e9".repeat(100)),
                s(1, "\u00e9".repeat(100)), s(1, "FOO", "\u00e9".repeat(60), "\u00e9".repeat(60)),
                s(1, "CLIENT", "FOO\u0000X"), s(1, "PUBSUB", "\u00e9".repeat(100)),
                // Not "PUBSUB CHANNELS\0 ...": Redis hashes the whole name (NUL included) but
                // compares only up to the NUL, so whether it finds the subcommand depends on
                // its random hash seed — a coin toss per redis-server process.
                s(1, "HELLO", "3", "bad\u0000option"),
                s(1, "CLIENT", "LIST", "TYPE", "x\u0000y"), s(1, "CLIENT", "KILL", "USER", "n\u0000o"));
    }

    // ---- inline commands and protocol errors -------------------------------------------------

    @Test
    void inlineCommandsMatchRedis() throws IOException {
        assertSameAsRedis(
                RespScript.raw("PING CRLF", "PING\r\n", 1), RespScript.raw("PING LF", "PING\n", 1),
                RespScript.raw("lower case with arg", "ping hello\r\n", 1),
                RespScript.raw("double quotes", "ECHO \"a b\"\r\n", 1),
                RespScript.raw("single quotes", "ECHO 'a b'\r\n", 1),
                RespScript.raw("escapes", "ECHO \"a\\x41\\n\\t\\\\\"\r\n", 1),
                RespScript.raw("single quote escape", "ECHO 'it\\'s'\r\n", 1),
                RespScript.raw("several spaces", "ECHO    spaced   \r\n", 1),
                RespScript.raw("empty quoted", "ECHO \"\"\r\n", 1),
                RespScript.raw("blank lines", "\r\n\r\nPING\r\n", 1),
                RespScript.raw("spaces only", "   \r\nPING\r\n", 1),
                RespScript.raw("unknown inline", "FOO bar\r\n", 1),
                RespScript.raw("inline subscribe", "SUBSCRIBE a b\r\n", 2),
                RespScript.raw("pipelined inline", "PING\r\nECHO x\r\nPING y\r\n", 3),
                RespScript.raw("inline then multibulk", "PING\r\n*1\r\n$4\r\nPING\r\n", 2),
                RespScript.raw("unbalanced double quote", "ECHO \"abc\r\n", 0).closes(),
                RespScript.raw("closing quote not followed by space", "ECHO 'a'b\r\n", 0).closes(),
                // One byte over Redis's 64 KiB inline limit, so the error comes once everything was read.
                RespScript.raw("inline over 64 kB", "PING " + "x".repeat(65_536 - 4), 0).closes());
    }

    @Test
    void protocolErrorsReplyAsRedisAndClose() throws IOException {
        assertSameAsRedis(
                RespScript.raw("multibulk count not a number", "*abc\r\n", 0).closes(),
                RespScript.raw("dollar missing", "*1\r\nPING\r\n", 0).closes(),
                RespScript.raw("integer instead of bulk", "*1\r\n:4\r\n", 0).closes(),
                RespScript.raw("bulk length not a number", "*1\r\n$abc\r\n", 0).closes(),
                RespScript.raw("negative bulk length", "*1\r\n$-1\r\n", 0).closes(),
                RespScript.raw("bulk length over the maximum", "*2\r\n$4\r\nECHO\r\n$600000000\r\n", 0).closes(),
                RespScript.raw("multibulk count over int", "*3000000000\r\n", 0).closes(),
                RespScript.raw("count line over 64 kB", "*" + "1".repeat(65_536), 0).closes(),
                RespScript.raw("replies before the error are kept", "*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n*abc\r\n", 1)
                        .closes(),
                RespScript.raw("commands after the error are not run", "PING\r\n*abc\r\nPING\r\n", 1).closes(),
                RespScript.raw("empty and negative multibulk are skipped", "*0\r\n*-1\r\nPING\r\n", 1),
                RespScript.raw("bytes after a bulk are not checked", "*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n", 2),
                named("a protocol error while subscribed").sendRaw("SUBSCRIBE a\r\n*x\r\n").expect(1).closes());
    }

    /**
     * Bulk length limit: fanout's --max-message against Redis's proto-max-bulk-len set to the
     * same 1 MiB: the limit itself is accepted, one byte more is refused at the header.
     */
    @Test
    void bulkLengthLimitMatchesRedisProtoMaxBulkLen() throws IOException {
        int limit = 1 << 20;
        FanoutServer limited = startFanout(ServerConfig.forTests().withMaxMessage(limit));
        try (RespConnection c = RespConnection.open(redis.address())) {
            assertEquals("OK", c.call("CONFIG", "SET", "proto-max-bulk-len", Integer.toString(limit)).text());
        }
        try {
            byte[] atLimit = new byte[limit];
            java.util.Arrays.fill(atLimit, (byte) 'z');
            assertSame(redis.address(), null, limited.respAddress(), null,
                    named("bulk at the limit").send(command("ECHO".getBytes(UTF_8), atLimit)).expect(1),
                    named("publish at the limit").on(0).send("SUBSCRIBE", "big").expect(1)
                            .on(1).send(command("PUBLISH".getBytes(UTF_8), "big".getBytes(UTF_8), atLimit)).expect(1)
                            .on(0).expect(1),
                    RespScript.raw("one byte over", "*2\r\n$4\r\nECHO\r\n$" + (limit + 1) + "\r\n", 0).closes());
        } finally {
            try (RespConnection c = RespConnection.open(redis.address())) {
                c.call("CONFIG", "SET", "proto-max-bulk-len", "536870912");
            }
        }
    }

    // ---- QUIT, RESET -------------------------------------------------------------------

    @Test
    void quitAndResetMatchRedis() throws IOException {
        assertSameAsRedis(
                named("QUIT").send("QUIT").expect(1).closes(),
                named("QUIT with arguments").send("QUIT", "x", "y").expect(1).closes(),
                named("nothing after QUIT runs").sendRaw("QUIT\r\nPING\r\n").expect(1).closes(),
                named("QUIT while subscribed").send("PSUBSCRIBE", "a").send("QUIT").expect(2).closes(),
                named("inline quit").sendRaw("quit\r\n").expect(1).closes(),
                s(1, "RESET"), s(1, "RESET", "x"),
                named("RESET leaves subscribed mode").send("SUBSCRIBE", "a").send("PSUBSCRIBE", "b*")
                        .send("SSUBSCRIBE", "c").send("RESET").send("PING").send("ECHO", "free").expect(6),
                named("RESET goes back to RESP2 and clears the name").send("HELLO", "3", "SETNAME", "n")
                        .send("SUBSCRIBE", "a").send("RESET").send("CLIENT", "GETNAME").send("PUBSUB", "NUMSUB", "a")
                        .expect(5),
                named("RESET drops subscriptions for publishers too").on(0).send("SUBSCRIBE", "r").send("RESET")
                        .expect(2)
                        .on(1).send("PUBLISH", "r", "x").expect(1));
    }

    // ---- MULTI / EXEC / DISCARD / WATCH / UNWATCH ----------------------------------------

    @Test
    void transactionsMatchRedis() throws IOException {
        assertSameAsRedis(
                s(1, "EXEC"), s(1, "DISCARD"), s(1, "UNWATCH"), s(1, "WATCH"), s(1, "WATCH", "a", "b"),
                s(1, "EXEC", "x"), s(1, "DISCARD", "x"), s(1, "UNWATCH", "x"), s(1, "MULTI", "x"),
                named("empty transaction").send("MULTI").send("EXEC").expect(2),
                named("queued commands run in order at EXEC").send("MULTI").send("PING").send("ECHO", "a")
                        .send("PUBLISH", "nobody", "x").send("PUBSUB", "NUMSUB", "a").send("SELECT", "99")
                        .send("PING", "a", "b").send("EXEC").send("PING").expect(9),
                named("nested MULTI is an error that keeps the transaction").send("MULTI").send("MULTI")
                        .send("PING").send("EXEC").expect(4),
                named("unknown command fails the transaction").send("MULTI").send("PING").send("FOO", "bar")
                        .send("PING").send("EXEC").send("EXEC").expect(6),
                named("unknown subcommand fails it").send("MULTI").send("CLIENT", "SETNAME", "x")
                        .send("CLIENT", "FOO").send("EXEC").send("CLIENT", "GETNAME").expect(5),
                named("wrong arity fails it").send("MULTI").send("SUBSCRIBE").send("PUBLISH", "a", "b", "c")
                        .send("ECHO").send("EXEC").expect(5),
                named("MULTI with an argument inside MULTI fails it").send("MULTI").send("MULTI", "x")
                        .send("EXEC").expect(3),
                named("EXEC with an argument aborts at once").send("MULTI").send("PING").send("EXEC", "x")
                        .send("EXEC").expect(4),
                named("DISCARD drops the queue").send("MULTI").send("PING").send("DISCARD").send("EXEC")
                        .send("DISCARD").expect(5),
                named("DISCARD with an argument fails it").send("MULTI").send("DISCARD", "x").send("PING")
                        .send("EXEC").expect(4),
                named("DISCARD after a failed queue").send("MULTI").send("FOO").send("DISCARD").send("MULTI")
                        .send("PING").send("EXEC").expect(6),
                named("WATCH inside MULTI is an error that keeps it").send("MULTI").send("WATCH", "k")
                        .send("UNWATCH").send("PING").send("EXEC").expect(5),
                named("WATCH then a transaction runs").send("WATCH", "k").send("MULTI").send("PING").send("EXEC")
                        .send("UNWATCH").expect(5),
                named("QUIT inside MULTI").send("MULTI").send("PING").send("QUIT").expect(3).closes(),
                named("RESET inside MULTI ends it").send("MULTI").send("PING").send("RESET").send("EXEC")
                        .expect(4),
                named("RESET with an argument fails it").send("MULTI").send("RESET", "x").send("EXEC").expect(3),
                named("SUBSCRIBE inside MULTI, RESP2").send("MULTI").send("SUBSCRIBE", "a", "b").send("PING")
                        .send("PUBLISH", "a", "to myself").send("EXEC").send("PING").send("MULTI").expect(9),
                named("SUBSCRIBE inside MULTI, RESP3").send("HELLO", "3").send("MULTI").send("SUBSCRIBE", "a", "b")
                        .send("PING").send("PUBLISH", "a", "to myself").send("EXEC").send("UNSUBSCRIBE", "a", "b")
                        .expect(10),
                named("UNSUBSCRIBE and PSUBSCRIBE inside MULTI").send("MULTI").send("UNSUBSCRIBE")
                        .send("PSUBSCRIBE", "p*").send("EXEC").send("PING").expect(5),
                named("RESP2 subscribed: MULTI, EXEC, DISCARD, WATCH refused").send("SUBSCRIBE", "a")
                        .send("MULTI").send("EXEC").send("DISCARD").send("WATCH", "x").send("UNWATCH").expect(6),
                named("RESP3 subscribed may use transactions").send("HELLO", "3").send("SUBSCRIBE", "a")
                        .send("MULTI").send("PING").send("PUBLISH", "a", "m").send("EXEC").expect(7),
                named("HELLO 3 inside MULTI switches mid-EXEC").send("MULTI").send("HELLO", "3").send("PING")
                        .send("EXEC").send("PING").expect(5),
                named("inline transaction").sendRaw("MULTI\r\nPING\r\nECHO hi\r\nEXEC\r\n").expect(4),
                named("publishes reach subscribers only at EXEC, in order")
                        .on(0).send("SUBSCRIBE", "t").expect(1)
                        .on(1).send("MULTI").send("PUBLISH", "t", "1").send("PUBLISH", "t", "2").expect(3)
                        .on(0).send("PING").expect(1)
                        .on(1).send("EXEC").expect(1)
                        .on(0).expect(2),
                named("nothing is published after DISCARD or EXECABORT")
                        .on(0).send("SUBSCRIBE", "t").expect(1)
                        .on(1).send("MULTI").send("PUBLISH", "t", "dropped").send("DISCARD")
                        .send("MULTI").send("PUBLISH", "t", "aborted").send("FOO").send("EXEC")
                        .send("PUBLISH", "t", "after").expect(8)
                        .on(0).expect(1));
        assertSame(redisWithPassword.address(), PASSWORD, startFanout(ServerConfig.forTests().withRequirePass(PASSWORD))
                .respAddress(), PASSWORD,
                named("unauthenticated MULTI, EXEC, DISCARD, WATCH, UNWATCH").send("MULTI").send("EXEC")
                        .send("DISCARD").send("WATCH", "a").send("UNWATCH").send("EXEC", "x").expect(6),
                named("AUTH queued inside MULTI runs at EXEC").send("AUTH", PASSWORD).send("MULTI")
                        .send("AUTH", "bad").send("AUTH", PASSWORD).send("PING").send("EXEC").expect(6),
                named("RESET inside MULTI logs out").send("AUTH", PASSWORD).send("MULTI").send("PING")
                        .send("RESET").send("EXEC").expect(5));
    }

    // ---- COMMAND -------------------------------------------------------------------------

    @Test
    void commandIntrospectionMatchesRedisForFanoutsCommands() throws IOException {
        List<RespScript> scripts = new ArrayList<>();
        // COMMAND INFO entries are byte-identical except key specs (SSUBSCRIBE, SUNSUBSCRIBE,
        // SPUBLISH: fanout lists none) and the order of subcommands (Redis: hash order).
        for (String name : List.of("subscribe", "unsubscribe", "psubscribe", "punsubscribe", "publish", "ping",
                "echo", "quit", "reset", "hello", "auth", "select", "info", "pubsub|channels", "pubsub|numsub",
                "pubsub|numpat", "pubsub|shardchannels", "pubsub|shardnumsub", "pubsub|help", "client|id",
                "client|setname", "client|getname", "client|list", "client|info", "client|kill", "client|help",
                "command|count", "command|docs", "command|info", "command|list", "command|help", "multi", "exec",
                "discard", "unwatch")) {
            scripts.add(s(1, "COMMAND", "INFO", name));
            scripts.add(named("RESP3 COMMAND INFO " + name).send("HELLO", "3").send("COMMAND", "INFO", name)
                    .expect(2));
        }
        scripts.add(s(1, "COMMAND", "INFO", "nosuch"));
        scripts.add(s(1, "COMMAND", "INFO", "PING", "nosuch", "Echo"));
        scripts.add(named("RESP3 COMMAND INFO nosuch").send("HELLO", "3").send("COMMAND", "INFO", "nosuch")
                .expect(2));
        scripts.add(s(1, "COMMAND", "DOCS", "nosuch"));
        scripts.add(s(1, "COMMAND", "COUNT", "x"));
        scripts.add(s(1, "COMMAND", "LIST", "FILTERBY"));
        scripts.add(s(1, "COMMAND", "LIST", "FILTERBY", "x"));
        scripts.add(s(1, "COMMAND", "LIST", "FILTERBY", "x", "y"));
        scripts.add(s(1, "COMMAND", "LIST", "FILTERBY", "module", "nosuch"));
        scripts.add(s(1, "COMMAND", "LIST", "FILTERBY", "aclcat", "pubsub", "x"));
        scripts.add(s(1, "COMMAND", "LIST", "x"));
        assertSameAsRedis(scripts.toArray(new RespScript[0]));
    }

    /** What fanout cannot match byte for byte (it has fewer commands) still has Redis's shape. */
    @Test
    void commandCountListAndDocsHaveRedisShape() throws IOException {
        try (RespConnection c = RespConnection.open(fanout.respAddress())) {
            long count = c.call("COMMAND", "COUNT").asLong();
            RespValue all = c.call("COMMAND");
            assertEquals(count, all.size(), "COMMAND COUNT is the number of COMMAND entries");
            List<String> names = c.call("COMMAND", "LIST").texts();
            for (String needed : List.of("subscribe", "psubscribe", "ssubscribe", "publish", "spublish", "ping",
                    "hello", "auth", "client|setinfo", "pubsub|channels", "command|docs")) {
                assertTrue(names.contains(needed), needed + " in COMMAND LIST " + names);
            }
            assertTrue(c.call("COMMAND", "LIST", "FILTERBY", "aclcat", "pubsub").texts().contains("publish"));
            assertEquals(List.of("ping"), c.call("COMMAND", "LIST", "FILTERBY", "pattern", "pi*").texts());
            RespValue docs = c.call("COMMAND", "DOCS", "publish");
            assertEquals("publish", docs.get(0).text());
            assertEquals("summary", docs.get(1).get(0).text());
            c.call("HELLO", "3");
            RespValue docs3 = c.call("COMMAND", "DOCS");
            assertEquals('%', docs3.type(), "RESP3 COMMAND DOCS is a map");
            assertEquals(count, docs3.size() / 2);
            for (String cmd : List.of("CLIENT", "PUBSUB", "COMMAND")) {
                List<String> help = c.call(cmd, "HELP").texts();
                assertEquals(cmd + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", help.get(0));
                assertEquals(List.of("HELP", "    Prints this help."), help.subList(help.size() - 2, help.size()));
            }
        }
    }

    // ---- INFO ----------------------------------------------------------------------------

    /** INFO's values differ by nature; its sections and the fields fanout reports are Redis's. */
    @Test
    void infoHasRedisSectionsAndFieldNames() throws IOException {
        List<String> shared = List.of("redis_version", "redis_mode", "os", "arch_bits", "process_id", "tcp_port",
                "uptime_in_seconds", "uptime_in_days", "io_threads_active", "connected_clients", "maxclients",
                "client_recent_max_output_buffer", "blocked_clients", "total_connections_received",
                "rejected_connections", "total_net_input_bytes", "total_net_output_bytes", "pubsub_channels",
                "pubsub_patterns", "pubsubshard_channels");
        Map<String, String> redisInfo = info(redis.address());
        Map<String, String> fanoutInfo = info(fanout.respAddress());
        for (String field : shared) {
            assertTrue(redisInfo.containsKey(field), "Redis INFO has " + field);
            assertTrue(fanoutInfo.containsKey(field), "fanout INFO has " + field);
        }
        // Redis 7.2 added this counter; fanout reports its slow-client cuts under that name.
        assertTrue(fanoutInfo.containsKey("client_output_buffer_limit_disconnections"));
        assertEquals("7.0.15", fanoutInfo.get("redis_version"));
        assertEquals(Integer.toString(fanout.respAddress().getPort()), fanoutInfo.get("tcp_port"));
        try (RespConnection r = RespConnection.open(redis.address());
             RespConnection f = RespConnection.open(fanout.respAddress())) {
            for (String[] cmd : new String[][] {{"INFO", "nosuchsection"}, {"INFO", "server", "nosuch"}}) {
                RespValue rv = r.call(cmd);
                RespValue fv = f.call(cmd);
                assertEquals(rv.type(), fv.type());
                assertEquals(sectionsOf(rv.text()), sectionsOf(fv.text()), String.join(" ", cmd));
            }
            for (String section : List.of("server", "clients", "stats", "SERVER")) {
                assertEquals(sectionsOf(r.call("INFO", section).text()), sectionsOf(f.call("INFO", section).text()),
                        "INFO " + section);
            }
            r.call("HELLO", "3");
            f.call("HELLO", "3");
            assertEquals(r.call("INFO", "server").type(), f.call("INFO", "server").type(), "RESP3 INFO type");
        }
    }

    private static Map<String, String> info(InetSocketAddress server) throws IOException {
        try (RespConnection c = RespConnection.open(server)) {
            RespValue v = c.call("INFO");
            Map<String, String> fields = new LinkedHashMap<>();
            for (String line : v.text().split("\r\n")) {
                int colon = line.indexOf(':');
                if (!line.startsWith("#") && colon > 0) {
                    fields.put(line.substring(0, colon), line.substring(colon + 1));
                }
            }
            return fields;
        }
    }

    private static List<String> sectionsOf(String info) {
        List<String> sections = new ArrayList<>();
        for (String line : info.split("\r\n")) {
            if (line.startsWith("# ")) {
                sections.add(line);
            }
        }
        return sections;
    }
}
