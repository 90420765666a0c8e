package io.fanout.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.fanout.policy.SlowPolicySettings;
import io.fanout.server.ServerConfig;
import io.fanout.testing.LineClient;
import io.fanout.testing.RunningServer;

/**
 * The lesson's second promise: a client that stops reading is cut before it can grow the
 * server's memory, and nobody else notices. Slow clients are made deterministic with a small
 * SO_RCVBUF on the client and a small SO_SNDBUF on the server, and they never read.
 *
 * <p>Publishers here send in windows and read their own echo of each window before sending
 * the next, so a reading client's backlog never exceeds one window: whatever is cut was cut
 * for not reading, not for a burst.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SlowClientTest {
    private static final byte[] NOTICE_PREFIX = "ERR slow consumer".getBytes(StandardCharsets.US_ASCII);

    private RunningServer fanout;
    /** Every byte published, in order, as line clients receive it. */
    private final ByteArrayOutputStream stream = new ByteArrayOutputStream();
    /** Offsets in {@link #stream} where a message starts (and its end). */
    private final List<Integer> boundaries = new ArrayList<>(List.of(0));
    private int seq;

    @AfterEach
    void checkNothingLeftBehind() throws InterruptedException {
        if (fanout != null) {
            fanout.close();
        }
    }

    /**
     * Sends {@code count} messages of {@code size} bytes (newline included) in one write, then
     * checks that every reader (the publisher among them) received exactly them, in order.
     */
    private void publishWindow(LineClient publisher, List<LineClient> readers, int count, int size)
            throws IOException {
        List<String> window = new ArrayList<>();
        StringBuilder wire = new StringBuilder();
        for (int i = 0; i < count; i++) {
            StringBuilder m = new StringBuilder("m").append(seq++).append(' ');
            while (m.length() < size - 1) {
                m.append((char) ('a' + m.length() % 26));
            }
            window.add(m.toString());
            wire.append(m).append('\n');
        }
        byte[] bytes = wire.toString().getBytes(StandardCharsets.US_ASCII);
        publisher.sendRaw(bytes);
        stream.write(bytes, 0, bytes.length);
        for (String m : window) {
            boundaries.add(boundaries.get(boundaries.size() - 1) + m.length() + 1);
        }
        for (LineClient reader : readers) {
            for (String expected : window) {
                assertEquals(expected, reader.readLine(), "a reading client missed a message or got it out of order");
            }
        }
    }

    /**
     * What a cut client received must be the start of the published stream, byte-exact,
     * possibly followed by (the start of) the server's slow-consumer notice, which may only
     * follow a whole message.
     */
    private void assertPrefixOfStreamThenMaybeNotice(byte[] got) {
        byte[] all = stream.toByteArray();
        int n = 0;
        while (n < got.length && n < all.length && got[n] == all[n]) {
            n++;
        }
        if (n == got.length) {
            return;
        }
        assertTrue(boundaries.contains(n), "received bytes diverge from the published stream at byte " + n
                + ", inside a message");
        byte[] tail = Arrays.copyOfRange(got, n, got.length);
        String text = new String(tail, StandardCharsets.US_ASCII);
        int common = Math.min(tail.length, NOTICE_PREFIX.length);
        assertEquals(new String(NOTICE_PREFIX, 0, common, StandardCharsets.US_ASCII), text.substring(0, common),
                "after the published messages only the slow-consumer notice may follow, got: " + text);
    }

    @Test
    void aClientThatNeverReadsIsCutOnceItsBacklogPassesTheThresholdWhileReadersGetEveryMessage()
            throws IOException {
        int threshold = 64 * 1024;
        fanout = RunningServer.start(ServerConfig.forTests()
                .withSlow(SlowPolicySettings.hardOnly(threshold))
                .withSocketSendBuffer(4096));
        LineClient stalled = fanout.connect(LineClient.builder().receiveBuffer(4096));
        LineClient publisher = fanout.connect();
        LineClient reader1 = fanout.connect();
        LineClient reader2 = fanout.connect();
        fanout.awaitClients(4);
        List<LineClient> readers = List.of(publisher, reader1, reader2);

        while (fanout.closed(CloseReason.SLOW_HARD) == 0) {
            if (stream.size() > 4 * threshold + (1 << 20)) {
                fail("a client that never reads was not cut after " + stream.size() + " bytes");
            }
            publishWindow(publisher, readers, 20, 200);
        }
        int publishedWhenCut = stream.size();
        for (int i = 0; i < 10; i++) { // the others carry on as if nothing happened
            publishWindow(publisher, readers, 20, 200);
        }

        assertTrue(publishedWhenCut > threshold,
                "cut after only " + publishedWhenCut + " bytes: its backlog cannot have passed " + threshold);
        // Kernel buffers on both ends hold some KiB more than the backlog; allow for them and a window.
        assertTrue(publishedWhenCut < threshold + 128 * 1024,
                "cut only after " + publishedWhenCut + " bytes for a threshold of " + threshold);
        fanout.awaitClients(3);
        assertPrefixOfStreamThenMaybeNotice(stalled.readUntilClosed());
        assertEquals(1, fanout.closed(CloseReason.SLOW_HARD));
        assertEquals(1, fanout.closed(CloseReason.SLOW_HARD) + fanout.closed(CloseReason.IO_ERROR)
                + fanout.closed(CloseReason.CLIENT_CLOSED), "nobody else was closed");
    }

    @Test
    void aBurstOverTheThresholdThatTheSocketTakesAtOnceNeverCutsAReadingClient() throws IOException {
        int threshold = 4096; // the lesson's number
        fanout = RunningServer.start(ServerConfig.forTests()
                .withSlow(SlowPolicySettings.hardOnly(threshold))
                .withSocketSendBuffer(64 * 1024)); // room for the whole burst in the kernel
        LineClient publisher = fanout.connect();
        LineClient reader = fanout.connect();
        fanout.awaitClients(2);

        for (int burst = 0; burst < 5; burst++) {
            // 16 KiB in one write: each queue holds 4x the threshold until the turn's flush.
            publishWindow(publisher, List.of(publisher, reader), 80, 200);
        }

        assertEquals(0, fanout.closed(CloseReason.SLOW_HARD),
                "the backlog is judged after the write attempt, not before");
        assertEquals(2, fanout.connectedClients());
    }

    @Test
    void fiftyStalledClientsUnderALongFloodAreAllCutAndTheServersBacklogStaysBounded() throws Exception {
        int stalledCount = 50;
        int threshold = 16 * 1024;
        int windowMessages = 16;
        int messageBytes = 512;
        int windowBytes = windowMessages * messageBytes;
        fanout = RunningServer.start(ServerConfig.forTests()
                .withSlow(SlowPolicySettings.hardOnly(threshold))
                .withSocketSendBuffer(4096));
        List<LineClient> stalled = new ArrayList<>();
        for (int i = 0; i < stalledCount; i++) {
            stalled.add(fanout.connect(LineClient.builder().receiveBuffer(4096)));
        }
        LineClient publisher = fanout.connect();
        fanout.awaitClients(stalledCount + 1);

        AtomicBoolean sampling = new AtomicBoolean(true);
        AtomicLong maxPending = new AtomicLong();
        AtomicLong samples = new AtomicLong();
        Thread sampler = new Thread(() -> {
            while (sampling.get()) {
                maxPending.accumulateAndGet(fanout.totalPendingBytes(), Math::max);
                samples.incrementAndGet();
                LockSupport.parkNanos(100_000);
            }
        }, "pending-sampler");
        sampler.start();
        try {
            while (fanout.closed(CloseReason.SLOW_HARD) < stalledCount) {
                if (stream.size() > (8 << 20)) {
                    fail("only " + fanout.closed(CloseReason.SLOW_HARD) + " of " + stalledCount
                            + " stalled clients cut after " + stream.size() + " bytes");
                }
                publishWindow(publisher, List.of(publisher), windowMessages, messageBytes);
            }
            for (int i = 0; i < 200; i++) { // the flood goes on: ~1.6 MiB more
                publishWindow(publisher, List.of(publisher), windowMessages, messageBytes);
            }
        } finally {
            sampling.set(false);
            sampler.join();
        }

        // Each stalled backlog is judged after every turn's writes, so it tops out at the
        // threshold plus what one turn can enqueue (at most one window here); the publisher's
        // own backlog is at most a window.
        long bound = (long) stalledCount * (threshold + windowBytes) + windowBytes;
        assertTrue(samples.get() > 10, "the sampler ran");
        assertTrue(maxPending.get() > 0, "the sampler saw the backlogs");
        assertTrue(maxPending.get() <= bound, "server backlog reached " + maxPending.get()
                + " bytes, over the bound of " + bound + " for " + stalledCount + " stalled clients");
        assertEquals(stalledCount, fanout.closed(CloseReason.SLOW_HARD));
        fanout.awaitClients(1);
        for (LineClient s : stalled) {
            assertPrefixOfStreamThenMaybeNotice(s.readUntilClosed());
        }
    }

    @Test
    void abruptResetsDuringFanOutDoNotDisturbTheOtherClients() throws IOException {
        fanout = RunningServer.start(ServerConfig.forTests().withSocketSendBuffer(4096));
        LineClient publisher = fanout.connect();
        LineClient reader1 = fanout.connect();
        LineClient reader2 = fanout.connect();
        List<LineClient> victims = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            // Half with a small window (a backlog in the server when they vanish), half without.
            victims.add(fanout.connect(i % 2 == 0 ? LineClient.builder().receiveBuffer(4096) : LineClient.builder()));
        }
        fanout.awaitClients(13);
        List<LineClient> readers = List.of(publisher, reader1, reader2);

        for (int w = 0; w < 40; w++) {
            if (w == 5) {
                for (LineClient v : victims) {
                    v.reset(); // RST in the middle of the flood, no goodbye
                }
            }
            publishWindow(publisher, readers, 20, 300);
        }

        fanout.awaitClients(3);
        assertEquals(10, fanout.closed(CloseReason.IO_ERROR) + fanout.closed(CloseReason.CLIENT_CLOSED),
                "each reset client closed once, as an I/O error or end of stream");
        assertEquals(0, fanout.closed(CloseReason.INTERNAL_ERROR));
        assertEquals(0, fanout.closed(CloseReason.SLOW_HARD));
    }
}
