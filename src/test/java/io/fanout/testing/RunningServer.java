package io.fanout.testing;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.fanout.engine.CloseReason;
import io.fanout.engine.EventLoop;
import io.fanout.server.FanoutServer;
import io.fanout.server.ServerConfig;

/**
 * An in-process server on loopback port 0 plus the line clients a test opened, with the leak
 * check every test ends with: {@link #close} closes the clients, waits until the server has
 * no connection and no queued byte left, then stops it and checks its loops ended.
 */
public final class RunningServer implements AutoCloseable {
    private final FanoutServer server;
    private final List<LineClient> clients = new ArrayList<>();

    private RunningServer(FanoutServer server) {
        this.server = server;
    }

    /** Starts the server with the RESP listener off (line protocol only). */
    public static RunningServer start(ServerConfig config) throws IOException {
        return new RunningServer(FanoutServer.start(config.withRespPort(-1)));
    }

    public FanoutServer server() {
        return server;
    }

    public LineClient connect() throws IOException {
        return connect(LineClient.builder());
    }

    public LineClient connect(LineClient.Builder builder) throws IOException {
        LineClient c = builder.connect(server.lineAddress());
        clients.add(c);
        return c;
    }

    public int connectedClients() {
        return server.engine().connectedClients();
    }

    public long totalPendingBytes() {
        return server.engine().totalPendingBytes();
    }

    public void awaitClients(int n) {
        Await.until(() -> connectedClients() == n, Await.DEFAULT,
                () -> "connectedClients() == " + n + " (it is " + connectedClients() + ")");
    }

    /** Connections closed for {@code reason}, all loops together. */
    public long closed(CloseReason reason) {
        long n = 0;
        for (EventLoop loop : server.engine().loops()) {
            n += loop.stats().closed(reason);
        }
        return n;
    }

    public void awaitClosed(CloseReason reason, long count) {
        Await.until(() -> closed(reason) >= count, Await.DEFAULT,
                () -> "closed(" + reason + ") >= " + count + " (it is " + closed(reason) + ")");
    }

    /** Closes every client, checks nothing is left behind, then stops the server. */
    @Override
    public void close() {
        try {
            closeAndCheck();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while closing the test server", e);
        }
    }

    private void closeAndCheck() throws InterruptedException {
        try {
            for (LineClient c : clients) {
                try {
                    c.close();
                } catch (IOException ignored) {
                    // Closing anyway.
                }
            }
            Await.until(() -> connectedClients() == 0, Await.DEFAULT,
                    () -> "no connection left behind (connectedClients() is " + connectedClients() + ")");
            Await.until(() -> totalPendingBytes() == 0, Await.DEFAULT,
                    () -> "no queued byte left behind (totalPendingBytes() is " + totalPendingBytes() + ")");
        } finally {
            server.close();
        }
        if (!server.awaitTermination(1, TimeUnit.SECONDS)) {
            throw new AssertionError("event loops still running after close()");
        }
    }

    /** Ends the server only (for tests of shutdown itself); {@link #close} still checks. */
    public Duration stop() {
        long t0 = System.nanoTime();
        server.close();
        return Duration.ofNanos(System.nanoTime() - t0);
    }
}
