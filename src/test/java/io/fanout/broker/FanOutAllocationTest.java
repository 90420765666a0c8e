package io.fanout.broker;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.fanout.engine.EventLoop;
import io.fanout.policy.SlowPolicySettings;
import io.fanout.server.ServerConfig;
import io.fanout.testing.Await;
import io.fanout.testing.LineClient;
import io.fanout.testing.RunningServer;

/**
 * The publish hot path allocates nothing per delivery, with the compact subscription
 * structures in place: the loop thread's own allocation counter (the JVM's per-thread
 * TLAB accounting) over 800,000 deliveries stays under two bytes per delivery. A single
 * object per delivery would be at least 16 bytes; what remains is per turn (selection).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FanOutAllocationTest {
    private static final int SUBSCRIBERS = 100;
    private static final int MESSAGES = 8_000;

    @Test
    void fanOutAllocatesNothingPerDelivery() throws Exception {
        Set<Thread> before = new HashSet<>(Thread.getAllStackTraces().keySet());
        ServerConfig config = ServerConfig.forTests().withSlow(SlowPolicySettings.hardOnly(64L << 20));
        try (RunningServer server = RunningServer.start(config)) {
            Thread loopThread = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("fanout-loop-0") && !before.contains(t)).findFirst().orElseThrow();
            for (int i = 0; i < SUBSCRIBERS; i++) {
                server.connect(LineClient.builder().receiveBuffer(4 << 20));
            }
            LineClient publisher = server.connect();
            server.awaitClients(SUBSCRIBERS + 1);
            int receivers = SUBSCRIBERS + 1; // the publisher receives its own lines too
            byte[] burst = burst(200);
            publisher.sendRaw(burst); // warm-up: the topic's list, batch frames, JIT
            awaitDeliveries(server, 200L * receivers);

            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long deliveries0 = deliveries(server);
            long allocated0 = threads.getThreadAllocatedBytes(loopThread.getId());
            byte[] lines = burst(MESSAGES);
            publisher.sendRaw(lines);
            awaitDeliveries(server, deliveries0 + (long) MESSAGES * receivers);
            long allocated = threads.getThreadAllocatedBytes(loopThread.getId()) - allocated0;
            long delivered = deliveries(server) - deliveries0;
            double perDelivery = (double) allocated / delivered;
            System.out.println("loop allocated " + allocated + " bytes for " + delivered + " deliveries");
            assertTrue(perDelivery < 2.0, allocated + " bytes allocated on the loop for " + delivered
                    + " deliveries (" + perDelivery + " per delivery)");
        }
    }

    private static byte[] burst(int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append("message ").append(i).append(" ").append("x".repeat(40)).append('\n');
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static long deliveries(RunningServer server) {
        long n = 0;
        for (EventLoop loop : server.server().engine().loops()) {
            n += loop.stats().deliveries;
        }
        return n;
    }

    private static void awaitDeliveries(RunningServer server, long n) {
        Await.until(() -> deliveries(server) >= n, Await.DEFAULT, () -> "deliveries >= " + n + " (" + deliveries(server) + ")");
    }
}
