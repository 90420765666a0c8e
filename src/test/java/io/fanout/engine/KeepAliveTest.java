package io.fanout.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.fanout.testing.Await;
import jdk.net.ExtendedSocketOptions;

/** --tcp-keepalive sets Redis's keepalive on accepted sockets: idle N s, probes every N/3 s, 3 of them. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class KeepAliveTest {
    private static final Protocol SILENT = new Protocol() {
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
                public void onClose(Connection c, CloseReason reason) {
                }
            };
        }

        @Override
        public byte[] maxClientsReply() {
            return new byte[0];
        }
    };

    private static Connection acceptOne(Engine engine) {
        Await.until(() -> engine.connectedClients() == 1 && !engine.connections().isEmpty(), "accepted");
        return engine.connections().iterator().next();
    }

    @Test
    void acceptedSocketsProbeAnIdlePeerAsRedisDoes() throws Exception {
        EngineConfig config = new EngineConfig(1, 10, 1 << 16, 1 << 20, 0, 100, 0, 0, 300);
        try (Engine engine = new Engine(config, BacklogPolicy.UNLIMITED, Clock.SYSTEM, null)) {
            InetSocketAddress addr = engine.listen("127.0.0.1", 0, SILENT);
            engine.start();
            try (SocketChannel client = SocketChannel.open(addr)) {
                assertTrue(client.isConnected());
                Connection c = acceptOne(engine);
                assertTrue(c.channel().getOption(StandardSocketOptions.SO_KEEPALIVE));
                if (c.channel().supportedOptions().contains(ExtendedSocketOptions.TCP_KEEPIDLE)) {
                    assertEquals(300, c.channel().getOption(ExtendedSocketOptions.TCP_KEEPIDLE));
                    assertEquals(100, c.channel().getOption(ExtendedSocketOptions.TCP_KEEPINTERVAL));
                    assertEquals(3, c.channel().getOption(ExtendedSocketOptions.TCP_KEEPCOUNT));
                }
            }
        }
    }

    @Test
    void zeroLeavesKeepaliveOff() throws Exception {
        EngineConfig config = new EngineConfig(1, 10, 1 << 16, 1 << 20, 0, 100, 0, 0, 0);
        try (Engine engine = new Engine(config, BacklogPolicy.UNLIMITED, Clock.SYSTEM, null)) {
            InetSocketAddress addr = engine.listen("127.0.0.1", 0, SILENT);
            engine.start();
            try (SocketChannel client = SocketChannel.open(addr)) {
                assertTrue(client.isConnected());
                Connection c = acceptOne(engine);
                assertFalse(c.channel().getOption(StandardSocketOptions.SO_KEEPALIVE));
            }
        }
    }
}
