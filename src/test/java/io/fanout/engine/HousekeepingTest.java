package io.fanout.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The loop's once-a-second per-connection timer hook, driven turn by turn on a manual clock. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HousekeepingTest {
    private final AtomicLong clockNanos = new AtomicLong(1_000_000_000L);
    private final AtomicLong calls = new AtomicLong();

    private final Protocol counting = new Protocol() {
        @Override
        public String name() {
            return "test";
        }

        @Override
        public ConnectionHandler open(Connection connection) {
            return new ConnectionHandler() {
                @Override
                public void onBytes(Connection c, ByteBuffer in) {
                    in.position(in.limit());
                }

                @Override
                public void onHousekeeping(Connection c, long nowNanos) {
                    assertEquals(clockNanos.get(), nowNanos);
                    calls.incrementAndGet();
                }

                @Override
                public void onClose(Connection c, CloseReason reason) {
                }
            };
        }

        @Override
        public byte[] maxClientsReply() {
            return new byte[0];
        }
    };

    @Test
    void everyOpenConnectionIsVisitedOncePerInterval() throws Exception {
        EngineConfig config = new EngineConfig(1, 10, 1 << 16, 1 << 20, 0, 100, 0);
        try (Engine engine = new Engine(config, BacklogPolicy.UNLIMITED, clockNanos::get, null)) {
            InetSocketAddress addr = engine.listen("127.0.0.1", 0, counting);
            EventLoop loop = engine.loops().get(0);
            try (SocketChannel client = SocketChannel.open(addr)) {
                assertTrue(client.isConnected());
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (engine.connectedClients() == 0 || !loop.connections().iterator().hasNext()) {
                    assertTrue(System.nanoTime() < deadline, "connection never registered");
                    loop.runTurn();
                }
                loop.runTurn();
                assertEquals(0, calls.get(), "no call before the interval has passed");

                clockNanos.addAndGet(EventLoop.HOUSEKEEPING_INTERVAL_NANOS);
                loop.runTurn();
                assertEquals(1, calls.get());

                clockNanos.addAndGet(EventLoop.HOUSEKEEPING_INTERVAL_NANOS / 2);
                loop.runTurn();
                assertEquals(1, calls.get(), "half an interval later: not yet");

                clockNanos.addAndGet(EventLoop.HOUSEKEEPING_INTERVAL_NANOS / 2);
                loop.runTurn();
                assertEquals(2, calls.get());
            }
        }
    }
}
