package io.fanout.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.fanout.testing.Await;

/**
 * The input budget on real sockets with a protocol that never finishes a request (every byte
 * stays carried): the largest holder is cut first, the budget is never passed, and an asker
 * that holds the most is refused itself.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class InputBudgetTest {
    private static final int KIB = 1024;
    private final ConcurrentHashMap<Long, CloseReason> closed = new ConcurrentHashMap<>();

    private final Protocol neverComplete = new Protocol() {
        @Override
        public String name() {
            return "test";
        }

        @Override
        public ConnectionHandler open(Connection connection) {
            return new ConnectionHandler() {
                @Override
                public void onBytes(Connection c, ByteBuffer in) {
                    // Consumes nothing: the request is never complete.
                }

                @Override
                public void onClose(Connection c, CloseReason reason) {
                    closed.put(c.id(), reason);
                }
            };
        }

        @Override
        public byte[] maxClientsReply() {
            return new byte[0];
        }
    };

    private static void send(SocketChannel ch, int bytes) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(bytes);
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    @Test
    void theLargestHolderIsCutFirstAndTheBudgetIsNeverPassed() throws Exception {
        long budget = 256 * KIB;
        EngineConfig config = new EngineConfig(1, 10, 1 << 20, 1 << 20, 0, 100, 0, budget, 0);
        try (Engine engine = new Engine(config, BacklogPolicy.UNLIMITED, Clock.SYSTEM, null)) {
            InetSocketAddress addr = engine.listen("127.0.0.1", 0, neverComplete);
            engine.start();
            List<SocketChannel> clients = new ArrayList<>();
            try {
                long[] held = {0};
                // Capacities double from 4 KiB: 100 KiB is held in 128 KiB, 40 in 64, 20 in 32.
                int[][] steps = {{100 * KIB, 128 * KIB}, {40 * KIB, 64 * KIB}, {20 * KIB, 32 * KIB}};
                for (int[] step : steps) {
                    SocketChannel ch = SocketChannel.open(addr);
                    clients.add(ch);
                    send(ch, step[0]);
                    held[0] += step[1];
                    Await.until(() -> engine.heldInputBytes() == held[0], Await.DEFAULT,
                            () -> "held " + held[0] + " (it is " + engine.heldInputBytes() + ")");
                }
                assertEquals(224 * KIB, engine.heldInputBytes());

                // 60 KiB more needs 64 KiB: over 256 KiB, so the largest (the first) goes.
                SocketChannel fourth = SocketChannel.open(addr);
                clients.add(fourth);
                send(fourth, 60 * KIB);
                Await.until(() -> closed.size() == 1, "one connection cut");
                assertEquals(CloseReason.INPUT_BUDGET, closed.get(1L), "the largest holder, conn 1: " + closed);
                Await.until(() -> engine.heldInputBytes() == 160 * KIB, Await.DEFAULT,
                        () -> "64 + 32 + 64 KiB held (it is " + engine.heldInputBytes() + ")");

                // The second now grows past everyone else: it is the largest, so it is refused itself.
                send(clients.get(1), 100 * KIB);
                Await.until(() -> closed.size() == 2, "the asker cut");
                assertEquals(CloseReason.INPUT_BUDGET, closed.get(2L), closed.toString());
                Await.until(() -> engine.connectedClients() == 2, "the two small holders stay");
                assertEquals(2, closed.size(), closed.toString());
            } finally {
                for (SocketChannel ch : clients) {
                    ch.close();
                }
            }
            Await.until(() -> engine.heldInputBytes() == 0, "every carry buffer returned to the budget");
        }
    }
}
