package io.fanout.policy;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fanout.engine.CloseReason;
import io.fanout.server.FanoutServer;
import io.fanout.server.ServerConfig;
import io.fanout.testing.Await;
import io.fanout.testing.LineClient;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Each slow-consumer rule fires when it should and not when it should not, on real sockets:
 * a client with a tiny receive buffer that does not read is the deterministic slow client,
 * and a small server send buffer keeps the backlog inside fanout where the policy sees it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SlowConsumerRulesTest {
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

    private void start(SlowPolicySettings slow) throws IOException {
        server = FanoutServer.start(ServerConfig.forTests().withRespPort(-1).withSlow(slow).withSocketSendBuffer(4096));
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

    private static String line(int i) {
        return String.format("msg-%06d-%s", i, "x".repeat(200));
    }

    /**
     * Sends lines from the publisher in batches of about 16 KB; the fast client reads each
     * batch's echo, in order, before the next is sent, so its own backlog stays one batch
     * small (the budget test must never find the publisher among the largest backlogs).
     */
    private static void floodAndCheck(LineClient publisher, int count) throws IOException {
        StringBuilder batch = new StringBuilder();
        int echoed = 0;
        for (int i = 0; i < count; i++) {
            batch.append(line(i)).append('\n');
            if (batch.length() > 16_000 || i == count - 1) {
                publisher.sendRaw(batch.toString().getBytes(UTF_8));
                batch.setLength(0);
                for (; echoed <= i; echoed++) {
                    assertEquals(line(echoed), publisher.readLine(), "fast client, message " + echoed);
                }
            }
        }
    }

    @Test
    void softLimitCutsAClientThatStaysOverItForTheGracePeriod() throws IOException {
        start(new SlowPolicySettings(64L << 20, 16 * 1024, 300 * MS, 0, 0, SlowPolicyMode.DISCONNECT, 0));
        LineClient publisher = connect(0);
        connect(2048); // never reads
        floodAndCheck(publisher, 400); // ~80 KiB: far over the soft limit, far under the hard one
        Await.until(() -> closed(CloseReason.SLOW_SOFT) == 1, "stalled client cut by the soft rule");
        assertEquals(0, closed(CloseReason.SLOW_HARD));
        Await.until(() -> server.engine().connectedClients() == 1, "only the publisher left");
    }

    @Test
    void softLimitSparesAClientThatDipsBelowItInTime() throws IOException {
        start(new SlowPolicySettings(64L << 20, 16 * 1024, 3_000 * MS, 0, 0, SlowPolicyMode.DISCONNECT, 0));
        LineClient publisher = connect(0);
        LineClient lagging = connect(2048);
        floodAndCheck(publisher, 400);
        Await.until(() -> server.engine().totalPendingBytes() > 16 * 1024, "backlog over the soft limit");
        for (int i = 0; i < 400; i++) { // catch up well before the 3 s grace ends
            assertEquals(line(i), lagging.readLine());
        }
        Await.until(() -> server.engine().totalPendingBytes() == 0, "backlog drained");
        publisher.send("still-here");
        assertEquals("still-here", lagging.readLine());
        assertEquals(0, closed(CloseReason.SLOW_SOFT));
        assertEquals(2, server.engine().connectedClients());
    }

    @Test
    void writeDeadlineCutsAClientWhoseSocketTakesNothing() throws IOException {
        start(new SlowPolicySettings(64L << 20, 0, 0, 300 * MS, 0, SlowPolicyMode.DISCONNECT, 0));
        LineClient publisher = connect(0);
        connect(2048);
        floodAndCheck(publisher, 100); // ~20 KiB: a small backlog, but it never moves
        Await.until(() -> closed(CloseReason.SLOW_DEADLINE) == 1, "stalled client cut by the deadline");
        Await.until(() -> server.engine().connectedClients() == 1, "only the publisher left");
    }

    @Test
    void writeDeadlineSparesASlowReaderThatKeepsMoving() throws Exception {
        start(new SlowPolicySettings(64L << 20, 0, 0, 1_500 * MS, 0, SlowPolicyMode.DISCONNECT, 0));
        LineClient publisher = connect(0);
        LineClient slow = LineClient.builder().receiveBuffer(4096).readChunk(512).connect(server.lineAddress());
        clients.add(slow);
        Await.until(() -> server.engine().connectedClients() == 2, "both registered");
        int count = 1000; // ~200 KiB, read 512 bytes at a time
        floodAndCheck(publisher, count);
        for (int i = 0; i < count; i++) {
            assertEquals(line(i), slow.readLine(), "slow reader, message " + i);
        }
        assertEquals(0, closed(CloseReason.SLOW_DEADLINE));
    }

    @Test
    void totalBudgetCutsTheLargestBacklogsFirstAndSparesHealthyClients() throws IOException {
        start(new SlowPolicySettings(64L << 20, 0, 0, 0, 48 * 1024, SlowPolicyMode.DISCONNECT, 0));
        LineClient publisher = connect(0);
        for (int i = 0; i < 3; i++) {
            connect(2048);
        }
        floodAndCheck(publisher, 600); // ~120 KiB to each stalled client
        Await.until(() -> closed(CloseReason.SLOW_BUDGET) >= 2, "stalled clients cut by the budget");
        Await.until(() -> server.engine().totalPendingBytes() <= 48 * 1024, "total back within budget");
        publisher.send("after");
        assertEquals("after", publisher.readLine());
    }

    @Test
    void totalBudgetDoesNothingWhileItFits() throws IOException {
        start(new SlowPolicySettings(64L << 20, 0, 0, 0, 8L << 20, SlowPolicyMode.DISCONNECT, 0));
        LineClient publisher = connect(0);
        LineClient lagging = connect(2048);
        floodAndCheck(publisher, 300);
        for (int i = 0; i < 300; i++) {
            assertEquals(line(i), lagging.readLine());
        }
        assertEquals(0, closed(CloseReason.SLOW_BUDGET));
    }

    @Test
    void dropOldestKeepsWholeMessagesInOrderAndSaysHowManyWereDropped() throws IOException {
        start(new SlowPolicySettings(16 * 1024, 0, 0, 0, 0, SlowPolicyMode.DROP_OLDEST, 0));
        LineClient publisher = connect(0);
        LineClient lagging = connect(2048);
        int count = 1000; // ~200 KiB against a 16 KiB limit
        for (int i = 0; i < count; i += 20) { // in small batches: the publisher reads its own echo
            StringBuilder batch = new StringBuilder();
            for (int j = i; j < i + 20; j++) {
                batch.append(line(j)).append('\n');
            }
            publisher.sendRaw(batch.toString().getBytes(UTF_8));
            for (int j = i; j < i + 20; j++) {
                assertEquals(line(j), publisher.readLine(), "publisher's own echo, message " + j);
            }
        }
        Await.until(() -> server.engine().loops().get(0).stats().droppedMessages > 0, "messages dropped");
        publisher.send("last");
        assertEquals("last", publisher.readLine());

        Pattern message = Pattern.compile("msg-(\\d{6})-x{200}");
        Pattern notice = Pattern.compile("ERR dropped (\\d+) messages \\(slow consumer\\)");
        int previous = -1;
        int received = 0;
        long droppedSaid = 0;
        String l;
        while (!"last".equals(l = lagging.readLine())) {
            assertNotNull(l, "stream ended before 'last'");
            Matcher m = message.matcher(l);
            Matcher n = notice.matcher(l);
            if (n.matches()) {
                droppedSaid += Long.parseLong(n.group(1));
                continue;
            }
            assertTrue(m.matches(), "a whole message, never a torn one: " + l);
            int seq = Integer.parseInt(m.group(1));
            assertTrue(seq > previous, "order kept: " + seq + " after " + previous);
            previous = seq;
            received++;
        }
        assertTrue(droppedSaid > 0, "client was told about drops");
        assertEquals(count, received + droppedSaid, "every message either delivered or counted as dropped");
        assertEquals(0, closed(CloseReason.SLOW_HARD));
    }

    @Test
    void producerStallPausesThePublisherWhileASubscriberIsNearItsLimit() throws IOException {
        start(new SlowPolicySettings(64 * 1024, 0, 0, 0, 0, SlowPolicyMode.DISCONNECT, 400 * MS));
        LineClient publisher = connect(0);
        LineClient fast = connect(0);
        connect(2048); // stalled
        floodAndCheck(publisher, 300); // ~60 KiB: over 75% of the 64 KiB limit, under it
        for (int i = 0; i < 300; i++) {
            assertEquals(line(i), fast.readLine());
        }
        long start = System.nanoTime();
        publisher.send("marker");
        assertEquals("marker", fast.readLine());
        long elapsedMs = (System.nanoTime() - start) / MS;
        assertTrue(elapsedMs >= 150, "publisher was paused before its next line was read, waited " + elapsedMs + " ms");
        assertEquals(0, closed(CloseReason.SLOW_HARD));
    }

    @Test
    void noRuleFiresForAHealthyClientUnderABurstItsSocketTakes() throws IOException {
        start(new SlowPolicySettings(4096, 4096, 100 * MS, 200 * MS, 64 * 1024, SlowPolicyMode.DISCONNECT, 0));
        LineClient publisher = connect(0);
        LineClient reader = connect(0);
        floodAndCheck(publisher, 50);
        for (int i = 0; i < 50; i++) {
            assertEquals(line(i), reader.readLine(), "reader, message " + i);
        }
        for (CloseReason r : CloseReason.values()) {
            if (r.isSlowConsumer()) {
                assertEquals(0, closed(r), r.label());
            }
        }
        // The loop subtracts what it wrote just after write() returns: wait, don't race it.
        Await.until(() -> server.engine().totalPendingBytes() == 0, Duration.ofSeconds(5), "backlog accounted as empty");
    }
}
