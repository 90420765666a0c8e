package io.fanout.protocol.resp.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * A private {@code redis-server} for differential tests: its own free loopback port, no
 * persistence, stopped by its PID in {@link #close()}. Never the shared instance on 6379.
 *
 * <p>When the binary is missing the calling test is skipped (JUnit assumption) with a message
 * saying so, unless the environment sets {@code FANOUT_REQUIRE_REDIS=1} (CI does, after
 * installing Redis), in which case the test fails: a green run must never hide that the
 * differential tests did not run.
 */
public final class RedisServerProcess implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);

    private final Process process;
    private final int port;
    private final Path workDir;

    private RedisServerProcess(Process process, int port, Path workDir) {
        this.process = process;
        this.port = port;
        this.workDir = workDir;
    }

    /** Starts {@code redis-server} with the given extra arguments (e.g. "--requirepass", "pw"). */
    public static RedisServerProcess start(String... extraArgs) throws IOException, InterruptedException {
        Path binary = requireTool("redis-server");
        IOException last = null;
        for (int attempt = 0; attempt < 3; attempt++) { // a free port can be taken before we bind it
            int port = freePort();
            Path dir = Files.createTempDirectory("fanout-redis-");
            List<String> command = new ArrayList<>(List.of(binary.toString(), "--port", Integer.toString(port),
                    "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no",
                    "--dir", dir.toString(), "--logfile", dir.resolve("redis.log").toString()));
            command.addAll(List.of(extraArgs));
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("stdout.log").toFile()).start();
            RedisServerProcess redis = new RedisServerProcess(p, port, dir);
            try {
                redis.awaitAnswering();
                return redis;
            } catch (IOException e) {
                last = e;
                redis.close();
            }
        }
        throw last;
    }

    /** The path of a Redis tool on PATH, or skip/fail the test as the class header says. */
    public static Path requireTool(String name) {
        Optional<Path> found = findOnPath(name);
        if (found.isEmpty()) {
            String message = name + " is not installed (not on PATH): Redis differential and client tests "
                    + "need it; install Redis 7 (e.g. apt-get install redis-server redis-tools)";
            if ("1".equals(System.getenv("FANOUT_REQUIRE_REDIS"))) {
                Assertions.fail(message + " — FANOUT_REQUIRE_REDIS=1 makes this a failure");
            }
            Assumptions.abort(message);
        }
        return found.get();
    }

    static Optional<Path> findOnPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    public int port() {
        return port;
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    public long pid() {
        return process.pid();
    }

    /** Polls with PING until Redis answers (+PONG, or -NOAUTH when a password is set). */
    private void awaitAnswering() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("redis-server exited with " + process.exitValue() + ": " + log());
            }
            if (answersPing()) {
                return;
            }
            process.waitFor(20, TimeUnit.MILLISECONDS); // polling interval while it starts
        }
        throw new IOException("redis-server did not answer PING within " + START_TIMEOUT + ": " + log());
    }

    private boolean answersPing() {
        try (Socket s = new Socket()) {
            s.connect(address(), 500);
            s.setSoTimeout(1000);
            OutputStream out = s.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            int first = in.read();
            return first == '+' || first == '-';
        } catch (IOException e) {
            return false;
        }
    }

    private String log() {
        try {
            Path log = workDir.resolve("redis.log");
            Path out = workDir.resolve("stdout.log");
            return (Files.exists(out) ? Files.readString(out) : "") + (Files.exists(log) ? Files.readString(log) : "");
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Stops this process (SIGTERM to its PID, then SIGKILL if it lingers) and removes its directory. */
    @Override
    public void close() {
        io.fanout.testing.ProcessCleanup.stop(process, 5);
        io.fanout.testing.ProcessCleanup.deleteTree(workDir);
    }
}
