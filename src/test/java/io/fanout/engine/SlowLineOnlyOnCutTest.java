package io.fanout.engine;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.StandardSocketOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.fanout.policy.SlowPolicyMode;
import io.fanout.policy.SlowPolicySettings;
import io.fanout.testing.LineClient;
import io.fanout.testing.SteppedServer;

/**
 * The {@code [SLOW]} line of a time rule appears only when the cut really happens. On a timer
 * tick the loop writes once before a soft or deadline rule cuts (epoll reports a socket
 * writable only once a good part of its send buffer is free, so the kernel may have room the
 * loop was never told about); a client that this write saves was not cut, so nothing may say
 * it was. On the manual clock, with a real socket whose kernel buffer the test opens a little.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SlowLineOnlyOnCutTest {
    private static final byte[] CHUNK = ("x".repeat(63) + "\n").repeat(128).getBytes(US_ASCII);
    /** The server's SO_SNDBUF (the kernel doubles it): large next to what the raise below adds. */
    private static final int SEND_BUFFER_BYTES = 64 * 1024;

    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger policyLogger = (Logger) LoggerFactory.getLogger("fanout.policy");
    private final List<LineClient> clients = new ArrayList<>();
    private SteppedServer server;

    @BeforeEach
    void captureLogs() {
        logs.start();
        policyLogger.addAppender(logs);
    }

    @AfterEach
    void stop() throws IOException {
        policyLogger.detachAppender(logs);
        for (LineClient c : clients) {
            c.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private List<String> slowLines() {
        List<String> out = new ArrayList<>();
        for (ILoggingEvent e : logs.list) {
            if (e.getFormattedMessage().startsWith("[SLOW]")) {
                out.add(e.getFormattedMessage());
            }
        }
        return out;
    }

    private LineClient connect(int receiveBuffer) throws IOException {
        LineClient c = LineClient.builder().receiveBuffer(receiveBuffer).connect(server.lineAddress());
        clients.add(c);
        return c;
    }

    @Test
    void aClientSavedByTheWriteBeforeADeadlineCutIsNeverReportedSlow() throws IOException {
        server = new SteppedServer(new SlowPolicySettings(0, 0, 0, Duration.ofSeconds(1).toNanos(), 0,
                SlowPolicyMode.DISCONNECT, 0), SEND_BUFFER_BYTES);
        connect(4096); // never reads
        Connection stalled = server.connection(1);
        LineClient publisher = connect(1 << 20);
        Connection publisherConn = server.connection(2);
        long sent = 0;
        while (stalled.pendingBytes() <= 64 * 1024) {
            publisher.sendRaw(CHUNK);
            sent += CHUNK.length;
            long want = sent;
            server.turnUntil(() -> drainEcho(publisher) && publisherConn.bytesRead() == want
                    && publisherConn.pendingBytes() == 0, () -> "publisher read " + publisherConn.bytesRead());
        }
        server.turn();

        server.advance(Duration.ofMillis(1_090)); // past the deadline, at a tick
        openSendBufferALittle(stalled);
        server.turn();
        assertEquals(server.loop().nowNanos(), stalled.lastProgressNanos(), "the kernel took bytes this turn");
        assertTrue(stalled.isOpen(), "the write before the cut was taken: progress, no cut");
        assertEquals(List.of(), slowLines(), "a client that was not cut is not reported slow");

        server.advance(Duration.ofMillis(1_090)); // the kernel is full again and nothing moves
        server.turn();
        assertFalse(stalled.isOpen(), "no byte taken for 1.09 s: cut");
        assertEquals(CloseReason.SLOW_DEADLINE, stalled.closeReason());
        assertEquals(1, slowLines().size(), () -> "one [SLOW] line for one cut: " + slowLines());
    }

    /**
     * Gives the kernel a little room for {@code c}: an eighth more send buffer, well under the
     * third of it that must be free before epoll reports the socket writable, so only the
     * loop's own write before a cut can find it.
     */
    private static void openSendBufferALittle(Connection c) throws IOException {
        // The JDK reports the size as set; Linux doubles what is set and what is reported alike.
        int current = c.channel().getOption(StandardSocketOptions.SO_SNDBUF);
        c.channel().setOption(StandardSocketOptions.SO_SNDBUF, current + current / 8);
    }

    /** Reads the publisher's own echo without blocking; always true (for use in a condition). */
    private static boolean drainEcho(LineClient publisher) {
        try {
            InputStream in = publisher.socket().getInputStream();
            byte[] sink = new byte[64 * 1024];
            while (in.available() > 0) {
                if (in.read(sink, 0, Math.min(sink.length, in.available())) < 0) {
                    break;
                }
            }
            return true;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
