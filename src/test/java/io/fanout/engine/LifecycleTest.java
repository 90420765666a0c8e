package io.fanout.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.fanout.server.ServerConfig;
import io.fanout.testing.Await;
import io.fanout.testing.LineClient;
import io.fanout.testing.RunningServer;

/** Connections coming and going: --max-clients, and shutdown that drains before it closes. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LifecycleTest {
    private RunningServer fanout;

    @AfterEach
    void checkNothingLeftBehind() throws InterruptedException {
        if (fanout != null) {
            fanout.close();
        }
    }

    private static ServerConfig withDrainMillis(ServerConfig c, long drainMillis) {
        return new ServerConfig(c.bind(), c.linePort(), c.respPort(), c.metricsPort(), c.ioThreads(), c.maxClients(),
                c.maxMessageBytes(), c.requirePass(), c.lineChannel(), c.slow(), c.socketSendBufferBytes(), drainMillis);
    }

    /** Publishes {@code count} lines of {@code size} bytes in one write; returns the wire bytes. */
    private static byte[] publish(LineClient publisher, int count, int size) throws IOException {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        for (int i = 0; i < count; i++) {
            byte[] line = new byte[size];
            Arrays.fill(line, (byte) ('a' + i % 26));
            byte[] tag = ("m" + i + " ").getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(tag, 0, line, 0, tag.length);
            line[size - 1] = '\n';
            wire.write(line, 0, size);
        }
        byte[] bytes = wire.toByteArray();
        publisher.sendRaw(bytes);
        for (int i = 0; i < count; i++) {
            publisher.readLineBytes(); // its own echo: everyone's copy is queued by now
        }
        return bytes;
    }

    @Test
    void pastMaxClientsTheNextClientGetsAnErrorAndIsClosedAndOneLeavingMakesRoom() throws IOException {
        fanout = RunningServer.start(ServerConfig.forTests().withMaxClients(2));
        LineClient a = fanout.connect();
        LineClient b = fanout.connect();
        fanout.awaitClients(2);

        LineClient refused = fanout.connect();
        assertEquals("ERR max clients reached", refused.readLine());
        assertEquals(0, refused.readUntilClosed().length);
        fanout.awaitClosed(CloseReason.MAX_CLIENTS, 1);
        assertEquals(1, fanout.closed(CloseReason.MAX_CLIENTS));
        assertEquals(2, fanout.connectedClients());

        a.close();
        fanout.awaitClients(1);
        LineClient c = fanout.connect();
        fanout.awaitClients(2);
        c.send("room again");
        assertEquals("room again", c.readLine());
        assertEquals("room again", b.readLine());
    }

    @Test
    void shutdownDeliversWhatIsQueuedThenClosesEveryClientAndReturnsPromptly() throws Exception {
        long drainMillis = 2_000;
        fanout = RunningServer.start(withDrainMillis(ServerConfig.forTests().withSocketSendBuffer(4096), drainMillis));
        LineClient behind = fanout.connect(LineClient.builder().receiveBuffer(4096));
        LineClient publisher = fanout.connect();
        fanout.awaitClients(2);
        byte[] published = publish(publisher, 100, 500); // 50 KB: far more than both socket buffers
        Await.until(() -> fanout.totalPendingBytes() > 0, "output queued for the client that is behind");

        CompletableFuture<Duration> stopping = CompletableFuture.supplyAsync(fanout::stop);
        byte[] got = behind.readUntilClosed();

        assertArrayEquals(published, got, "every queued byte arrives before the close");
        assertFalse(behind.closedByReset(), "a clean end of stream after the data, not a reset");
        assertEquals(0, publisher.readUntilClosed().length);
        Duration took = stopping.get(drainMillis + 5_000, TimeUnit.MILLISECONDS);
        assertTrue(took.toMillis() < drainMillis, "close() took " + took.toMillis()
                + " ms: it should end as soon as the queues are empty, not wait out the drain time");
        assertEquals(0, fanout.connectedClients());
        assertEquals(0, fanout.totalPendingBytes());
    }

    @Test
    void shutdownStopsWaitingForAClientThatNeverReadsAfterTheDrainTime() throws Exception {
        long drainMillis = 300;
        fanout = RunningServer.start(withDrainMillis(ServerConfig.forTests().withSocketSendBuffer(4096), drainMillis));
        LineClient stalled = fanout.connect(LineClient.builder().receiveBuffer(4096));
        LineClient publisher = fanout.connect();
        fanout.awaitClients(2);
        byte[] published = publish(publisher, 100, 500);
        Await.until(() -> fanout.totalPendingBytes() > 0, "output queued for the stalled client");

        Duration took = fanout.stop();

        assertTrue(took.toMillis() < drainMillis + 2_000, "close() took " + took.toMillis() + " ms");
        assertEquals(0, fanout.connectedClients());
        assertEquals(0, fanout.totalPendingBytes());
        byte[] got = stalled.readUntilClosed();
        assertTrue(got.length < published.length, "the stalled client cannot have had everything");
        assertArrayEquals(Arrays.copyOf(published, got.length), got, "what it got is the start of the stream");
    }

    @Test
    void shutdownOfAnIdleServerClosesEveryClientAndStopsListening() throws Exception {
        fanout = RunningServer.start(ServerConfig.forTests());
        List<LineClient> clients = List.of(fanout.connect(), fanout.connect(), fanout.connect());
        fanout.awaitClients(3);
        InetSocketAddress address = fanout.server().lineAddress();

        Duration took = fanout.stop();

        assertTrue(took.toMillis() < 1_000, "close() of an idle server took " + took.toMillis() + " ms");
        for (LineClient c : clients) {
            assertEquals(0, c.readUntilClosed().length);
            assertFalse(c.closedByReset());
        }
        assertThrows(IOException.class, () -> {
            try (Socket s = new Socket()) {
                s.connect(address, 2_000);
            }
        }, "nobody listens after close()");
        assertEquals(0, fanout.connectedClients());
    }
}
