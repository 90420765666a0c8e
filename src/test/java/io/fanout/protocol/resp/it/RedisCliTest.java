package io.fanout.protocol.resp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.fanout.broker.TopicKind;
import io.fanout.broker.TopicName;
import io.fanout.server.FanoutServer;
import io.fanout.server.ServerConfig;
import io.fanout.testing.Await;
import io.fanout.testing.LineClient;

/**
 * {@code redis-cli} driven as a process against fanout, as a user would type it (output is
 * redis-cli's raw form, because its stdout is not a terminal). Skipped when redis-cli is not
 * installed, unless FANOUT_REQUIRE_REDIS=1.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RedisCliTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private Path redisCli;
    private FanoutServer server;
    private final List<Process> processes = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        redisCli = RedisServerProcess.requireTool("redis-cli");
        server = FanoutServer.start(ServerConfig.forTests());
    }

    @AfterEach
    void stop() throws InterruptedException {
        try {
            for (Process p : processes) {
                p.destroy(); // by its PID: only the processes this test started
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
            if (server != null) {
                RespDifferentialTest.awaitNoConnectionLeft(server);
            }
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    private Process cli(int port, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(redisCli.toString(), "-h", "127.0.0.1", "-p",
                Integer.toString(port)));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        processes.add(p);
        return p;
    }

    /** Runs redis-cli to completion and returns its output lines. */
    private List<String> run(int port, String... args) throws IOException, InterruptedException {
        Process p = cli(port, args);
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "redis-cli " + String.join(" ", args) + " ended");
        return List.of(new String(out, StandardCharsets.UTF_8).split("\n"));
    }

    private int port() {
        return server.respAddress().getPort();
    }

    @Test
    void pingAnswersPong() throws Exception {
        assertEquals(List.of("PONG"), run(port(), "ping"));
        assertEquals(List.of("hello"), run(port(), "ping", "hello"));
    }

    @Test
    void publishFromRedisCliReachesALineClient() throws Exception {
        try (LineClient line = LineClient.connect(server.lineAddress())) {
            Await.until(() -> server.broker().subscriberCount(TopicKind.CHANNEL,
                    new TopicName("broadcast".getBytes(StandardCharsets.UTF_8))) == 1, WAIT, "line client in");
            assertEquals(List.of("1"), run(port(), "publish", "broadcast", "hi"));
            assertEquals("hi", line.readLine());
        }
    }

    @Test
    void redisCliSubscriberReceivesALineClientsMessage() throws Exception {
        Process sub = cli(port(), "subscribe", "broadcast");
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread pump = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(sub.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String l = r.readLine(); l != null; l = r.readLine()) {
                    lines.add(l);
                }
            } catch (IOException e) {
                // the process was stopped
            }
        }, "redis-cli-stdout");
        pump.setDaemon(true);
        pump.start();
        assertEquals(List.of("subscribe", "broadcast", "1"), take(lines, 3), "subscribe confirmation");
        try (LineClient line = LineClient.connect(server.lineAddress())) {
            line.send("chatter from nc");
            assertEquals(List.of("message", "broadcast", "chatter from nc"), take(lines, 3));
        }
    }

    private static List<String> take(BlockingQueue<String> lines, int n) throws InterruptedException {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String l = lines.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            if (l == null) {
                throw new AssertionError("redis-cli printed only " + out + " within " + WAIT);
            }
            out.add(l);
        }
        return out;
    }

    /** {@code redis-cli -3 hello} prints what it prints for Redis 7.0, connection id aside. */
    @Test
    void hello3PrintsTheSameAsForRedis() throws Exception {
        List<String> fanoutOut = run(port(), "-3", "hello");
        assertEquals("server redis", fanoutOut.get(0), fanoutOut.toString());
        try (RedisServerProcess redis = RedisServerProcess.start()) {
            List<String> redisOut = run(redis.port(), "-3", "hello");
            assertEquals(withoutId(redisOut), withoutId(fanoutOut));
        }
        assertEquals(List.of("server", "redis", "version", "7.0.15", "proto", "2"),
                run(port(), "hello").subList(0, 6));
    }

    /** redis-cli prints a RESP3 map as "key value" lines. */
    private static List<String> withoutId(List<String> lines) {
        List<String> out = new ArrayList<>(lines);
        int i = 0;
        while (i < out.size() && !out.get(i).matches("id \\d+")) {
            i++;
        }
        assertTrue(i < out.size(), "an id in " + lines);
        out.set(i, "id <id>");
        return out;
    }

    @Test
    void clientListShowsTheCallerWithBacklogField() throws Exception {
        try (LineClient line = LineClient.connect(server.lineAddress())) {
            assertTrue(line.socket().isConnected());
            Await.until(() -> server.engine().connectedClients() == 1, WAIT, "line client in");
            List<String> out = run(port(), "client", "list");
            assertEquals(2, out.size(), "the line client and redis-cli itself: " + out);
            String self = out.get(1);
            assertTrue(self.startsWith("id="), self);
            assertTrue(self.contains(" cmd=client|list "), self);
            assertTrue(self.matches(".* omem=\\d+ .*"), self);
            assertTrue(out.get(0).contains(" proto=line"), out.get(0));
        }
    }

    @Test
    void redisCliAuthenticatesWithAPassword() throws Exception {
        try (FanoutServer secured = FanoutServer.start(ServerConfig.forTests().withRequirePass("pw"))) {
            int p = secured.respAddress().getPort();
            assertEquals(List.of("PONG"), run(p, "--no-auth-warning", "-a", "pw", "ping"));
            assertEquals(List.of("NOAUTH Authentication required."), run(p, "ping"));
            List<String> wrong = run(p, "--no-auth-warning", "-a", "nope", "ping");
            assertTrue(wrong.get(0).contains("WRONGPASS") || wrong.get(0).contains("NOAUTH"), wrong.toString());
        }
    }
}
