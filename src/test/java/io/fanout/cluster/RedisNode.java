package io.fanout.cluster;

import io.fanout.testing.ProcessCleanup;

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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.fanout.protocol.resp.it.RedisServerProcess;

/**
 * A private {@code redis-server} for the cluster tests that can be killed and started again
 * on the same port (the node's link must find it there). Loopback, no persistence; stopped
 * by its PID. Missing binary: skip, or fail with FANOUT_REQUIRE_REDIS=1 (see
 * {@link RedisServerProcess#requireTool}).
 */
final class RedisNode implements AutoCloseable {
    private final int port;
    private final List<String> extraArgs;
    private final Path dir;
    private Process process;

    private RedisNode(int port, List<String> extraArgs, Path dir) {
        this.port = port;
        this.extraArgs = extraArgs;
        this.dir = dir;
    }

    static RedisNode start(String... extraArgs) throws IOException, InterruptedException {
        RedisServerProcess.requireTool("redis-server");
        IOException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            RedisNode n = new RedisNode(freePort(), List.of(extraArgs), Files.createTempDirectory("fanout-cluster-redis-"));
            try {
                n.startProcess();
                return n;
            } catch (IOException e) {
                last = e;
                n.close();
            }
        }
        throw last;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private void startProcess() throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no",
                "--dir", dir.toString(), "--logfile", dir.resolve("redis.log").toString()));
        cmd.addAll(extraArgs);
        process = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("stdout.log").toFile())).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("redis-server exited: " + log());
            }
            if (answersPing()) {
                return;
            }
            process.waitFor(20, TimeUnit.MILLISECONDS);
        }
        throw new IOException("redis-server did not answer on " + port + ": " + log());
    }

    private boolean answersPing() {
        try (Socket s = new Socket()) {
            s.connect(address(), 500);
            s.setSoTimeout(1000);
            OutputStream out = s.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            int first = in.read();
            return first == '+' || first == '-';
        } catch (IOException e) {
            return false;
        }
    }

    int port() {
        return port;
    }

    InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** SIGKILL: Redis gone at once, as in a crash. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
    }

    /** Starts redis-server again on the same port (empty: no persistence). */
    void restart() throws IOException, InterruptedException {
        startProcess();
    }

    /** Runs {@code redis-cli -p port args...} and returns its output. */
    String cli(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(RedisServerProcess.requireTool("redis-cli").toString(),
                "-h", "127.0.0.1", "-p", Integer.toString(port)));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        p.waitFor(30, TimeUnit.SECONDS);
        return new String(out, StandardCharsets.UTF_8).trim();
    }

    String log() {
        try {
            Path l = dir.resolve("redis.log");
            return Files.exists(l) ? Files.readString(l) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }

    @Override
    public void close() {
        if (process != null) {
            ProcessCleanup.stop(process, 5);
        }
        ProcessCleanup.deleteTree(dir);
    }
}
