package io.fanout.cluster;

import io.fanout.testing.ProcessCleanup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.fanout.testing.Await;
import io.fanout.testing.LineClient;

/**
 * Black box: two real {@code fanout serve --cluster redis://...} JVM processes and a real
 * redis-server. An {@code nc}-style line client on node A talks with one on node B; Redis
 * dies and comes back; {@code /metrics} shows the outage and the recovery; the
 * {@code [CLUSTER]} lines say what happened.
 */
@Tag("process")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterProcessTest {
    private static final Pattern LINE_PORT = Pattern.compile("\\[LISTEN]\\s+proto=line addr=127\\.0\\.0\\.1:(\\d+)");
    private static final Pattern METRICS_PORT = Pattern.compile("\\[LISTEN]\\s+proto=metrics addr=127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path tmp;
    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stopProcesses() {
        for (Process p : started) {
            ProcessCleanup.stop(p, 10);
        }
    }

    private Process serve(Path out, String redisUri) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = List.of(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                "io.fanout.server.Main", "serve", "--port", "0", "--resp-port", "-1", "--metrics-port", "0", "--http-port", "-1",
                "--cluster", redisUri, "--cluster-prefix", "it:");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        started.add(p);
        return p;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int port(Path out, Pattern pattern) {
        Await.until(() -> pattern.matcher(read(out)).find(), java.time.Duration.ofSeconds(30),
                () -> "a [LISTEN] line; so far: " + read(out));
        Matcher m = pattern.matcher(read(out));
        assertTrue(m.find());
        return Integer.parseInt(m.group(1));
    }

    private static String metrics(int port) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.body();
        } catch (IOException | InterruptedException e) {
            return "";
        }
    }

    private static boolean hasLine(String text, String line) {
        return text.lines().anyMatch(l -> l.equals(line));
    }

    private static int numsub(RedisNode redis, String channel) {
        try {
            String[] f = redis.cli("pubsub", "numsub", channel).split("\\s+");
            return Integer.parseInt(f[1]);
        } catch (Exception e) {
            return -1;
        }
    }

    @Test
    void lineUsersOnTwoProcessesTalkThroughRedisAndSurviveARedisRestart() throws Exception {
        try (RedisNode redis = RedisNode.start()) {
            Path outA = tmp.resolve("a.log");
            Path outB = tmp.resolve("b.log");
            serve(outA, redis.uri());
            serve(outB, redis.uri());
            int lineA = port(outA, LINE_PORT);
            int lineB = port(outB, LINE_PORT);
            int metricsB = port(outB, METRICS_PORT);
            // A cold JVM on a busy machine can take seconds to load the Redis client.
            for (Path out : List.of(outA, outB)) {
                Await.until(() -> read(out).contains("[CLUSTER]   connected"), java.time.Duration.ofSeconds(40),
                        () -> "the node connected to redis; so far: " + read(out));
            }
            try (LineClient a = LineClient.connect(new InetSocketAddress("127.0.0.1", lineA));
                 LineClient b = LineClient.connect(new InetSocketAddress("127.0.0.1", lineB))) {
                Await.until(() -> numsub(redis, "it:broadcast") == 2, java.time.Duration.ofSeconds(20),
                        () -> "both processes subscribed in redis; A: " + read(outA) + "\nB: " + read(outB));
                a.send("hello from A");
                assertEquals("hello from A", a.readLine());
                assertEquals("hello from A", b.readLine());

                redis.kill();
                Await.until(() -> hasLine(metrics(metricsB), "fanout_cluster_link_up 0.0"), "B reports the link down");
                b.send("local while redis is down");
                assertEquals("local while redis is down", b.readLine(), "local delivery goes on");

                redis.restart();
                Await.until(() -> hasLine(metrics(metricsB), "fanout_cluster_link_up 1.0"), "B reports the link up");
                Await.until(() -> numsub(redis, "it:broadcast") == 2, "both processes resubscribed");
                b.send("hello again from B");
                assertEquals("hello again from B", b.readLine());
                assertEquals("hello again from B", a.readLine(), "cross-node delivery resumed");
                String m = metrics(metricsB);
                assertTrue(m.contains("fanout_cluster_reconnects_total"), m);
                assertTrue(m.contains("fanout_cluster_not_relayed_total{reason=\"link-down\"} 1.0"), m);
            }
            String logB = read(outB);
            assertTrue(logB.contains("[CLUSTER]   lost"), logB);
            assertTrue(logB.contains("[CLUSTER]   resubscribed"), logB);
        }
    }
}
