package io.fanout.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.fanout.testing.Await;
import io.fanout.testing.ChildServer;
import io.fanout.testing.LineClient;

/**
 * Out of file descriptors (issue 8, item 3), in a child server started with
 * {@code ulimit -n 64} and --max-clients 1000: the startup warns that the clients will not
 * fit; when accept() fails, the acceptor backs off instead of spinning (CPU stays low, one
 * WARN line per episode), waiting clients are told "max clients" through the spare
 * descriptor, and once descriptors are free again, clients are accepted as before.
 */
@Tag("process")
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class FdExhaustionTest {
    /**
     * The child's descriptor limit: 64 for the server, plus one per class-path entry, because
     * the JVM keeps every jar it has searched open (logback's configuration lookup searches
     * them all), and the class path grows with the project's dependencies.
     */
    private static final int FD_LIMIT = 64
            + System.getProperty("java.class.path").split(java.io.File.pathSeparator).length;
    /** Clients opened: well past what the limit lets the server accept. */
    private static final int CLIENTS = FD_LIMIT + 56;

    @TempDir
    Path tmp;

    @Test
    void outOfDescriptorsBacksOffRefusesWaitingClientsAndRecovers() throws Exception {
        Assumptions.assumeTrue(Files.exists(Path.of("/proc/self/stat")), "needs Linux's /proc and bash's ulimit");
        try (ChildServer server = ChildServer.start(tmp, FD_LIMIT, List.of("-Xmx64m", "-XX:+UseSerialGC"),
                "--port", "0", "--resp-port", "-1", "--metrics-port", "-1", "--max-clients", "1000")) {
            assertTrue(server.output().contains("[FDS]       max-clients=1000"), "startup warning: " + server.output());
            InetSocketAddress addr = server.address("line");
            List<Socket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < CLIENTS; i++) { // the kernel completes these handshakes; fanout runs out
                    Socket s = new Socket();
                    s.connect(addr, 5_000);
                    s.setSoTimeout(5_000);
                    sockets.add(s);
                }
                Await.until(() -> server.output().contains("out of file descriptors"), Duration.ofSeconds(20),
                        () -> "the out-of-descriptors line; " + server.output());

                // Out of descriptors with clients waiting: no busy spin, no line per attempt.
                long cpuBefore = cpuTicks(server.process().pid());
                long t0 = System.nanoTime();
                Thread.sleep(2_000); // measuring CPU over a fixed window, not waiting for a condition
                double cpuShare = (cpuTicks(server.process().pid()) - cpuBefore) / 100.0
                        / ((System.nanoTime() - t0) / 1e9);
                System.out.printf("CPU share of the child while out of descriptors: %.3f%n", cpuShare);
                assertTrue(cpuShare < 0.3, "CPU while out of descriptors: " + cpuShare);
                // One line per episode; an episode ends when an accept works again, which a descriptor
                // the JVM frees may allow for a moment, so allow a few, never one per attempt.
                long episodes = server.countLines("out of file descriptors");
                assertTrue(episodes >= 1 && episodes <= 5, "episode lines: " + episodes + "; " + server.output());
                assertEquals(0, server.countLines("failed: java.io.IOException"), "no line per failed accept");

                // The clients left waiting were told, not left hanging.
                Socket last = sockets.get(sockets.size() - 1);
                byte[] reply;
                try {
                    reply = last.getInputStream().readNBytes("ERR max clients reached\n".length());
                } catch (java.net.SocketTimeoutException e) {
                    throw new AssertionError("a waiting client was never told; " + server.output(), e);
                }
                assertEquals("ERR max clients reached\n", new String(reply, StandardCharsets.US_ASCII));
            } finally {
                for (Socket s : sockets) {
                    s.close();
                }
            }
            // Descriptors free again: a new client is served, and the episode's end is logged.
            Await.until(() -> {
                try (LineClient c = LineClient.builder().readTimeout(Duration.ofSeconds(2)).connect(addr)) {
                    c.send("back");
                    return "back".equals(c.readLine());
                } catch (IOException e) {
                    return false;
                }
            }, Duration.ofSeconds(20), () -> "a served client after the episode; " + server.output());
            Await.until(() -> server.output().contains("accept attempts refused"), Duration.ofSeconds(10),
                    () -> "the end-of-episode line; " + server.output());
            assertTrue(server.process().isAlive());
        }
    }

    /** utime + stime of a process, in clock ticks (USER_HZ, 100 per second on Linux). */
    private static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }
}
