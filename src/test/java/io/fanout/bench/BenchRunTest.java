package io.fanout.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.fanout.policy.SlowPolicySettings;
import io.fanout.server.FanoutServer;
import io.fanout.server.ServerConfig;
import picocli.CommandLine;

/**
 * The bench against a real fanout started in-process (and against the Redis on 6379 when
 * one is there): short runs, five subscribers, both protocols, stalled subscribers, and the
 * exit codes of the command.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BenchRunTest {
    private static final long ONE_SECOND = 1_000_000_000L;
    private FanoutServer server;

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    private static BenchConfig quick(InetSocketAddress at, BenchConfig.Proto proto, int subscribers) {
        return BenchConfig.quick(at.getHostString(), at.getPort(), proto, subscribers);
    }

    private static void assertHealthy(BenchResult r) {
        assertTrue(r.deliveries() > 0, "deliveries: " + r.toHuman());
        assertEquals(0, r.lost(), r.toHuman());
        assertEquals(0, r.reordered(), r.toHuman());
        assertEquals(0, r.duplicated(), r.toHuman());
        assertEquals(0, r.missingAtEnd(), r.toHuman());
        assertEquals(0, r.healthyCut(), r.toHuman());
    }

    @Test
    void respRunDeliversEveryMessageInOrder() throws Exception {
        server = FanoutServer.start(ServerConfig.forTests());
        BenchResult r = BenchRun.execute(quick(server.respAddress(), BenchConfig.Proto.RESP, 5));
        assertHealthy(r);
        assertTrue(r.server.startsWith("fanout"), r.server);
        assertTrue(r.p50Micros() > 0, r.toHuman());
        assertJsonObject(r.toJson());
    }

    @Test
    void lineRunDeliversEveryMessageInOrder() throws Exception {
        server = FanoutServer.start(ServerConfig.forTests());
        BenchResult r = BenchRun.execute(quick(server.lineAddress(), BenchConfig.Proto.LINE, 5));
        assertHealthy(r);
        assertJsonObject(r.toJson());
    }

    @Test
    void webSocketRunDeliversEveryMessageInOrder() throws Exception {
        server = FanoutServer.start(ServerConfig.forTests().withWeb(io.fanout.server.WebConfig.onFreePort()));
        BenchResult r = BenchRun.execute(quick(server.httpAddress(), BenchConfig.Proto.WS, 5).withPayload(200));
        assertHealthy(r);
        assertEquals("ws server", r.server);
        assertJsonObject(r.toJson());
    }

    @Test
    void serverSentEventsRunDeliversEveryMessageInOrder() throws Exception {
        server = FanoutServer.start(ServerConfig.forTests().withWeb(io.fanout.server.WebConfig.onFreePort()));
        BenchResult r = BenchRun.execute(quick(server.httpAddress(), BenchConfig.Proto.SSE, 5));
        assertHealthy(r);
        assertEquals("sse server", r.server);
        assertJsonObject(r.toJson());
    }

    @Test
    void stalledWebSocketsAreCutWhileHealthyOnesGetEverything() throws Exception {
        // A raw WebSocket publisher receives its own messages too (1 KiB each, read between
        // its writes): 384 KiB leaves it room on a loaded machine, while the stalled ones,
        // sent ~1 MiB each, must pass it.
        server = FanoutServer.start(ServerConfig.forTests().withWeb(io.fanout.server.WebConfig.onFreePort())
                .withSlow(SlowPolicySettings.hardOnly(384 * 1024)).withSocketSendBuffer(8 * 1024));
        BenchResult r = BenchRun.execute(quick(server.httpAddress(), BenchConfig.Proto.WS, 5).withStalled(2)
                .withPayload(1024).withMaxLag(100));
        assertHealthy(r);
        assertEquals(2, r.stalledCut(), r.toHuman());
        assertJsonObject(r.toJson());
    }

    @Test
    void openLoopRunSendsAtTheRequestedRate() throws Exception {
        server = FanoutServer.start(ServerConfig.forTests());
        BenchResult r = BenchRun.execute(quick(server.respAddress(), BenchConfig.Proto.RESP, 5)
                .withOpenLoop(2_000).withPublishers(2));
        assertHealthy(r);
        // 2,000 msg/s for one second, give or take the edges of the window
        assertTrue(r.published() >= 1_990 && r.published() <= 2_010, r.toHuman());
        assertEquals(5 * r.published(), r.deliveries(), r.toHuman());
    }

    @Test
    void stalledSubscribersAreReportedCutWhileHealthyOnesGetEverything() throws Exception {
        // A healthy subscriber never trails by more than max-lag messages (~100 B each), far
        // below the threshold; the stalled ones never read and must pass it.
        server = FanoutServer.start(ServerConfig.forTests()
                .withSlow(SlowPolicySettings.hardOnly(256 * 1024)).withSocketSendBuffer(8 * 1024));
        BenchResult r = BenchRun.execute(quick(server.respAddress(), BenchConfig.Proto.RESP, 5)
                .withStalled(2).withMaxLag(500));
        assertHealthy(r);
        assertEquals(2, r.stalledCut(), r.toHuman());
        for (long at : r.stalledCutMillis) {
            assertTrue(at >= 0 && at < 5_000, r.toHuman());
        }
        assertTrue(r.stalledCutSource.contains("CLIENT LIST"), r.stalledCutSource);
        assertTrue(r.toJson().contains("\"stalled_cut\":2"), r.toJson());
    }

    @Test
    void commandPrintsOneJsonObjectAndExitsZero() throws Exception {
        server = FanoutServer.start(ServerConfig.forTests());
        StringWriter out = new StringWriter();
        int code = command(out, new StringWriter(), "--port", Integer.toString(server.respAddress().getPort()),
                "--subscribers", "5", "--duration", "1s", "--warmup", "0", "--json");
        assertEquals(0, code, out.toString());
        String json = out.toString().trim();
        assertJsonObject(json);
        assertTrue(json.contains("\"lost\":0"), json);
        Matcher m = Pattern.compile("\"deliveries\":(\\d+)").matcher(json);
        assertTrue(m.find() && Long.parseLong(m.group(1)) > 0, json);
    }

    @Test
    void closedPortExitsOneQuickly() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        StringWriter err = new StringWriter();
        long t0 = System.nanoTime();
        int code = command(new StringWriter(), err, "--port", Integer.toString(port), "--subscribers", "5",
                "--duration", "1s");
        assertEquals(1, code, err.toString());
        assertTrue(err.toString().contains("could not connect"), err.toString());
        assertTrue(System.nanoTime() - t0 < 5 * ONE_SECOND, "took too long");
    }

    @Test
    void badOptionsExitTwo() {
        assertEquals(2, command(new StringWriter(), new StringWriter(), "--payload", "10"));
        assertEquals(2, command(new StringWriter(), new StringWriter(), "--mode", "open"));
        assertEquals(2, command(new StringWriter(), new StringWriter(), "--rate", "5k"));
        assertEquals(2, command(new StringWriter(), new StringWriter(), "--proto", "http"));
        assertEquals(2, command(new StringWriter(), new StringWriter(), "--duration", "soon"));
        assertEquals(2, command(new StringWriter(), new StringWriter(), "--publishers", "0"));
        assertEquals(2, command(new StringWriter(), new StringWriter(), "--max-lag", "lots"));
    }

    @Test
    void smokeAgainstRedisWhenOneIsRunning() throws Exception {
        InetSocketAddress redis = new InetSocketAddress("127.0.0.1", 6379);
        assumeTrue(reachable(redis), "no Redis on 127.0.0.1:6379");
        // A channel of its own: the Redis on 6379 is shared with people running the bench.
        BenchResult r = BenchRun.execute(quick(redis, BenchConfig.Proto.RESP, 5)
                .withChannel("fanout-bench-test-" + ProcessHandle.current().pid()));
        assertHealthy(r);
        assertTrue(r.server.startsWith("redis"), r.server);
    }

    private static boolean reachable(InetSocketAddress at) {
        try (Socket s = new Socket()) {
            s.connect(at, 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int command(StringWriter out, StringWriter err, String... args) {
        CommandLine cli = new CommandLine(new BenchCommand());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    /** A regex-level check: one object, balanced braces, quoted keys, no trailing comma. */
    private static void assertJsonObject(String json) {
        assertTrue(json.startsWith("{") && json.endsWith("}"), json);
        assertTrue(Pattern.compile("^\\{\"[a-z_]+\":").matcher(json).find(), json);
        assertTrue(!json.contains(",}") && !json.contains(",]") && !json.contains("\n"), json);
        int depth = 0;
        boolean inString = false;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (c == '"' && json.charAt(i - 1) != '\\') {
                inString = !inString;
            } else if (!inString && c == '{') {
                depth++;
            } else if (!inString && c == '}') {
                depth--;
                assertTrue(depth >= 0 && (depth > 0 || i == json.length() - 1), json);
            }
        }
        assertEquals(0, depth, json);
        assertTrue(Pattern.compile("\"deliveries_per_s\":\\d+\\.\\d+").matcher(json).find(), json);
        assertTrue(Pattern.compile("\"p99\":\\d+\\.\\d+").matcher(json).find(), json);
    }
}
