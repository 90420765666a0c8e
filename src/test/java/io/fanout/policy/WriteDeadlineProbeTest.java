package io.fanout.policy;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fanout.engine.CloseReason;
import io.fanout.server.FanoutServer;
import io.fanout.server.ServerConfig;
import io.fanout.testing.Await;
import io.fanout.testing.LineClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The write deadline judges the kernel's progress, not the server's last write attempt: before
 * it cuts, the loop writes once more and any byte taken counts (issue 8, item 6).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WriteDeadlineProbeTest {
    private static final long MS = 1_000_000L;
    private FanoutServer server;
    private final List<LineClient> clients = new ArrayList<>();

    @AfterEach
    void stop() throws IOException {
        for (LineClient c : clients) {
            c.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private LineClient connect(int receiveBuffer) throws IOException {
        LineClient c = LineClient.builder().receiveBuffer(receiveBuffer).connect(server.lineAddress());
        clients.add(c);
        int expected = clients.size();
        Await.until(() -> server.engine().connectedClients() == expected, "client registered");
        return c;
    }

    private long closed(CloseReason reason) {
        return server.engine().loops().get(0).stats().closed(reason);
    }

    /**
     * A reader taking 4 KB every 200 ms, behind a backlog larger than the kernel's buffers, on
     * a quiet channel: epoll reports its socket writable only once a third of the (autotuned,
     * megabytes large) send buffer is free, so no OP_WRITE event comes for many seconds, yet
     * the kernel takes bytes every few hundred milliseconds. Before the deadline cuts, the
     * server tries to write, and any byte the kernel takes counts as progress. When the same
     * reader stops, the deadline cuts it.
     */
    @Test
    void writeDeadlineSparesASteadySlowReaderWhenThePublisherIsQuietAndCutsItWhenItStops() throws Exception {
        server = FanoutServer.start(ServerConfig.forTests().withRespPort(-1)
                .withSlow(new SlowPolicySettings(64L << 20, 0, 0, 1_000 * MS, 0, SlowPolicyMode.DISCONNECT, 0)));
        LineClient publisher = connect(0);
        // An 8 KiB receive buffer: each 4 KB read reopens the TCP window, so the server's kernel
        // sees the progress. (With a megabyte window the reader's own kernel hides reads this
        // small for seconds: TCP reopens a window only in large steps; no server can see that.)
        LineClient reader = connect(8192);
        // 6 MiB in 8 KiB lines: more than the kernel buffers of both ends hold (~4 MiB here).
        String filler = "y".repeat(8 * 1024 - 12);
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        for (int i = 0; i < 768; i++) {
            stream.writeBytes(String.format("big-%06d-%s%n", i, filler).getBytes(UTF_8));
        }
        byte[] want = stream.toByteArray();
        publisher.sendRaw(want);
        for (int i = 0; i < 768; i++) {
            assertEquals(String.format("big-%06d-%s", i, filler), publisher.readLine(), "publisher's echo " + i);
        }
        Await.until(() -> server.engine().totalPendingBytes() > 0, "a backlog inside fanout");
        // The publisher is quiet from here on.
        InputStream in = reader.socket().getInputStream();
        byte[] chunk = new byte[4096];
        int got = 0;
        long end = System.nanoTime() + 3_500 * MS;
        while (System.nanoTime() < end) {
            int n = in.read(chunk, 0, chunk.length);
            assertTrue(n > 0, "end of stream after " + got + " bytes");
            for (int i = 0; i < n; i++) {
                assertEquals(want[got + i], chunk[i], "byte " + (got + i));
            }
            got += n;
            Thread.sleep(200); // the reader's pace, not a wait for a condition
        }
        assertEquals(0, closed(CloseReason.SLOW_DEADLINE), "a reader that keeps taking bytes is not stalled");
        assertEquals(2, server.engine().connectedClients());
        assertTrue(server.engine().totalPendingBytes() > 0, "the backlog outlived the test's reading");
        // Now it stops: the deadline must cut it.
        Await.until(() -> closed(CloseReason.SLOW_DEADLINE) == 1, "the stopped reader cut by the deadline");
    }
}
