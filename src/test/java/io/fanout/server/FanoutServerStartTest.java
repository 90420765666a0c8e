package io.fanout.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Starting fails cleanly: a listener that cannot bind is an IOException naming it, and the
 * half-built server leaves nothing behind (no thread, no socket, no selector), so an
 * embedding application can retry on another port as often as it likes.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FanoutServerStartTest {

    private static int openFileDescriptors() {
        String[] fds = new File("/proc/self/fd").list();
        return fds == null ? -1 : fds.length;
    }

    @Test
    void aServerThatCannotBindFailsWithTheAddressAndLeavesNoFileDescriptorBehind() throws IOException {
        Assumptions.assumeTrue(openFileDescriptors() > 0, "needs /proc/self/fd (Linux)");
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            ServerConfig config = ServerConfig.forTests().withRespPort(-1).withIoThreads(2);
            int port = busy.getLocalPort();
            ServerConfig onBusyPort = new ServerConfig(config.bind(), port, config.respPort(), config.metricsPort(),
                    config.ioThreads(), config.maxClients(), config.maxMessageBytes(), config.requirePass(),
                    config.lineChannel(), config.slow(), config.socketSendBufferBytes(), config.drainMillis());
            // Warm up whatever the JDK opens once per process (selector provider, jars).
            assertThrows(IOException.class, () -> FanoutServer.start(onBusyPort));
            int before = openFileDescriptors();

            for (int i = 0; i < 20; i++) {
                IOException e = assertThrows(IOException.class, () -> FanoutServer.start(onBusyPort));
                assertTrue(e.getMessage().contains(Integer.toString(port)), e.getMessage());
            }

            int after = openFileDescriptors();
            assertEquals(before, after, "file descriptors leaked by 20 failed starts (2 loops each)");
        }
    }
}
