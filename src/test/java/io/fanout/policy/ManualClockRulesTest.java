package io.fanout.policy;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.fanout.engine.CloseReason;
import io.fanout.engine.Connection;
import io.fanout.testing.Await;
import io.fanout.testing.LineClient;
import io.fanout.testing.SteppedServer;

/**
 * The time rules on a manual clock: the loop is stepped turn by turn and time moves only
 * when the test says so, so "not yet" and "now" are checked a nanosecond apart instead of
 * with sleeps. The slow client is real (a tiny receive buffer, never read).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ManualClockRulesTest {
    private static final int CHUNK_BYTES = 8 * 1024;
    private static final byte[] CHUNK = chunk();

    private SteppedServer server;
    private final List<LineClient> clients = new ArrayList<>();
    private long sentBytes;

    @AfterEach
    void stop() throws IOException {
        for (LineClient c : clients) {
            c.close();
        }
        if (server != null) {
            server.close();
        }
    }

    /** 8 KiB of 64-byte lines. */
    private static byte[] chunk() {
        StringBuilder sb = new StringBuilder();
        while (sb.length() < CHUNK_BYTES) {
            sb.append("x".repeat(63)).append('\n');
        }
        return sb.toString().getBytes(US_ASCII);
    }

    private LineClient connect(int receiveBuffer) throws IOException {
        LineClient c = LineClient.builder().receiveBuffer(receiveBuffer).connect(server.lineAddress());
        clients.add(c);
        return c;
    }

    /** Reads what the publisher's socket holds (its own echo) without blocking. */
    private static void drainEcho(LineClient publisher) throws IOException {
        InputStream in = publisher.socket().getInputStream();
        byte[] sink = new byte[64 * 1024];
        while (in.available() > 0) {
            if (in.read(sink, 0, Math.min(sink.length, in.available())) < 0) {
                return;
            }
        }
    }

    /**
     * Publishes one chunk and turns the loop until the server has read it and the publisher
     * (which receives its own lines) has no backlog, so only the stalled client's grows.
     */
    private void publishChunk(LineClient publisher, Connection publisherConn) throws IOException {
        publisher.sendRaw(CHUNK);
        sentBytes += CHUNK.length;
        server.turnUntil(() -> {
            try {
                drainEcho(publisher);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            return publisherConn.bytesRead() == sentBytes && publisherConn.pendingBytes() == 0;
        }, () -> "publisher read " + publisherConn.bytesRead() + "/" + sentBytes);
    }

    private long closed(CloseReason reason) {
        return server.loop().stats().closed(reason);
    }

    /** A stalled client and a publisher; publishes until the stalled backlog passes {@code bytes}. */
    private Connection stalledWithBacklogOver(long bytes) throws IOException {
        connect(4096); // never reads
        Connection stalled = server.connection(1);
        LineClient publisher = connect(1 << 20);
        Connection publisherConn = server.connection(2);
        while (stalled.pendingBytes() <= bytes) {
            publishChunk(publisher, publisherConn);
        }
        return stalled;
    }

    @Test
    void softLimitCutsOnlyAfterTheWholeGracePeriod() throws IOException {
        server = new SteppedServer(new SlowPolicySettings(0, 64 * 1024, Duration.ofSeconds(10).toNanos(), 0, 0,
                SlowPolicyMode.DISCONNECT, 0), 4096);
        Connection stalled = stalledWithBacklogOver(64 * 1024);
        server.turn(); // the breach is seen now

        server.advance(Duration.ofMillis(9_990));
        server.turn();
        assertTrue(stalled.isOpen(), "9.99 s over the soft limit: still within the grace period");

        server.advance(Duration.ofMillis(100)); // the next 100 ms tick after the grace period
        server.turn();
        assertFalse(stalled.isOpen(), "10.09 s over the soft limit: cut");
        assertEquals(CloseReason.SLOW_SOFT, stalled.closeReason());
        assertEquals(1, closed(CloseReason.SLOW_SOFT));
    }

    @Test
    void writeDeadlineCutsAWriterThatTookNothingForTheWholeDeadline() throws IOException {
        server = new SteppedServer(new SlowPolicySettings(0, 0, 0, Duration.ofSeconds(1).toNanos(), 0,
                SlowPolicyMode.DISCONNECT, 0), 4096);
        Connection stalled = stalledWithBacklogOver(16 * 1024);
        server.turn();

        server.advance(Duration.ofMillis(990));
        server.turn();
        assertTrue(stalled.isOpen(), "no byte taken for 0.99 s: within the deadline");

        server.advance(Duration.ofMillis(100)); // the next 100 ms tick after the deadline
        server.turn();
        if (stalled.isOpen()) {
            // The write the loop makes before a time rule cuts may still place a few bytes: a
            // socket buffer can have room below the level at which epoll calls it writable.
            // That is progress, so the deadline starts again; now the buffer is full.
            server.advance(Duration.ofMillis(990));
            server.turn();
            assertTrue(stalled.isOpen(), "0.99 s after the last byte taken: within the deadline");
            server.advance(Duration.ofMillis(100));
            server.turn();
        }
        assertFalse(stalled.isOpen(), "no byte taken for 1.09 s: cut");
        assertEquals(CloseReason.SLOW_DEADLINE, stalled.closeReason());
    }

    @Test
    void producerStallPausesThePublisherUntilTheClockMovesOn() throws IOException {
        long hard = 512 * 1024;
        server = new SteppedServer(new SlowPolicySettings(hard, 0, 0, 0, 0, SlowPolicyMode.DISCONNECT,
                Duration.ofMillis(50).toNanos()), 4096);
        connect(4096);
        Connection stalled = server.connection(1);
        LineClient publisher = connect(1 << 20);
        Connection publisherConn = server.connection(2);
        while (stalled.pendingBytes() * 4 <= hard * 3) {
            publishChunk(publisher, publisherConn);
        }
        // The chunk that took the subscriber over 75% of the hard limit stalled the publisher:
        // the next one is not read while the clock stands still, however often the loop turns.
        publisher.sendRaw(CHUNK);
        sentBytes += CHUNK.length;
        long turns = server.loop().stats().turns;
        while (server.loop().stats().turns < turns + 20) {
            server.turn();
        }
        assertEquals(sentBytes - CHUNK.length, publisherConn.bytesRead(), "no read while stalled");
        assertTrue(stalled.isOpen(), "still under the hard limit");

        server.advance(Duration.ofMillis(50));
        server.turnUntil(() -> publisherConn.bytesRead() == sentBytes, () -> "reading resumes after the stall");
    }

    @Test
    void shutdownDrainEndsAtItsDeadlineOnTheClock() throws Exception {
        server = new SteppedServer(SlowPolicySettings.hardOnly(0), 4096);
        Connection stalled = stalledWithBacklogOver(32 * 1024);
        server.engine().start(); // from here the loop runs on its own thread; time is still ours
        server.engine().shutdown();
        long turns = server.loop().stats().turns;
        Await.until(() -> server.loop().stats().turns > turns + 3, "the draining loop turns");
        assertFalse(server.engine().awaitTermination(0, TimeUnit.MILLISECONDS),
                "a backlog that cannot drain keeps the loop draining while the clock stands still");

        server.advance(Duration.ofMillis(2_001)); // the configured drain is 2 s
        assertTrue(server.engine().awaitTermination(10, TimeUnit.SECONDS), "drain over: the loop stops");
        assertEquals(CloseReason.SHUTDOWN, stalled.closeReason());
    }
}
