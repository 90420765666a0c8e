package io.fanout.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.fanout.broker.TopicKind;
import io.fanout.broker.TopicName;
import io.fanout.policy.SlowPolicySettings;
import io.fanout.server.ServerConfig;
import io.fanout.testing.Await;
import io.fanout.testing.LineClient;
import io.fanout.testing.RunningServer;

/**
 * The lesson's first promise on real loopback sockets: a message from one line client
 * reaches every line client, the sender too, byte-exact and in publish order — with many
 * clients, several publishers, several loops and messages far larger than a socket buffer.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BroadcastTest {
    private RunningServer fanout;

    @AfterEach
    void checkNothingLeftBehind() throws InterruptedException {
        if (fanout != null) {
            fanout.close();
        }
    }

    @Test
    void aMessageReachesEveryOtherClientAndTheSenderByteExactInOrder() throws IOException {
        fanout = RunningServer.start(ServerConfig.forTests());
        LineClient sender = fanout.connect();
        LineClient b = fanout.connect();
        LineClient c = fanout.connect();
        fanout.awaitClients(3);

        List<byte[]> sent = new ArrayList<>();
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        for (int i = 0; i < 50; i++) {
            byte[] line = ("msg " + i + " \u00e9\u4e2d\t\u0000 end").getBytes(StandardCharsets.UTF_8);
            sent.add(line);
            wire.write(line, 0, line.length);
            wire.write('\n');
        }
        byte[] empty = new byte[0];
        sent.add(empty);
        wire.write('\n');
        byte[] crlfContent = "crlf: the \\r before \\n is dropped, a \r inside stays".getBytes(StandardCharsets.UTF_8);
        sent.add(crlfContent);
        wire.write(crlfContent, 0, crlfContent.length);
        wire.write('\r');
        wire.write('\n');
        sender.sendRaw(wire.toByteArray());

        for (LineClient client : List.of(sender, b, c)) {
            for (int i = 0; i < sent.size(); i++) {
                assertArrayEquals(sent.get(i), client.readLineBytes(), "message " + i);
            }
        }

        b.send("and back");
        for (LineClient client : List.of(sender, b, c)) {
            assertEquals("and back", client.readLine());
        }
    }

    @Test
    void threeHundredClientsEachGetEveryMessageOfThreePublishersInPublishOrder() throws Exception {
        // Two loops: a publisher's messages reach the other loop through its inbox.
        fanout = RunningServer.start(ServerConfig.forTests().withIoThreads(2));
        int publishers = 3;
        int subscribers = 300;
        int perPublisher = 100;
        List<LineClient> clients = new ArrayList<>();
        for (int i = 0; i < subscribers + publishers; i++) {
            clients.add(fanout.connect());
        }
        fanout.awaitClients(subscribers + publishers);
        // Subscribed, not just accepted: the other loop registers a connection a moment later.
        Await.until(() -> fanout.server().broker().subscriberCount(TopicKind.CHANNEL, TopicName.of("broadcast"))
                == subscribers + publishers, "every client subscribed to the line channel");

        ExecutorService pool = Executors.newFixedThreadPool(publishers);
        try {
            List<Future<?>> sends = new ArrayList<>();
            for (int p = 0; p < publishers; p++) {
                LineClient publisher = clients.get(subscribers + p);
                int id = p;
                sends.add(pool.submit(() -> {
                    for (int seq = 0; seq < perPublisher; seq++) {
                        publisher.send("p" + id + " " + seq); // one write per message
                    }
                    return null;
                }));
            }
            for (Future<?> f : sends) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        for (int i = 0; i < clients.size(); i++) {
            int[] next = new int[publishers];
            for (int n = 0; n < publishers * perPublisher; n++) {
                String line = clients.get(i).readLine();
                String[] parts = line.split(" ");
                int p = Integer.parseInt(parts[0].substring(1));
                assertEquals(next[p], Integer.parseInt(parts[1]),
                        "client " + i + ": publisher " + p + "'s messages out of order or missing");
                next[p]++;
            }
        }
    }

    /**
     * Three loops and a pipelined burst: a turn's messages for another loop travel as one
     * batch (broker.CrossLoopOutbox), which grows its arrays within a turn; every client on
     * every loop still gets every message byte-exact and in order, small and large alike.
     */
    @Test
    void aPipelinedBurstCrossesLoopsInBatchesByteExactInOrder() throws Exception {
        fanout = RunningServer.start(ServerConfig.forTests().withIoThreads(3));
        int clientsCount = 9;
        List<LineClient> clients = new ArrayList<>();
        for (int i = 0; i < clientsCount; i++) {
            clients.add(fanout.connect());
        }
        fanout.awaitClients(clientsCount);
        Await.until(() -> fanout.server().broker().subscriberCount(TopicKind.CHANNEL, TopicName.of("broadcast"))
                == clientsCount, "every client subscribed to the line channel");

        java.util.Random random = new java.util.Random(42);
        List<String> sent = new ArrayList<>();
        StringBuilder burst = new StringBuilder();
        for (int seq = 0; seq < 600; seq++) {
            int size = random.nextInt(10) == 0 ? 2_000 + random.nextInt(6_000) : 1 + random.nextInt(80);
            StringBuilder line = new StringBuilder("m").append(seq).append(' ');
            while (line.length() < size) {
                line.append((char) ('a' + random.nextInt(26)));
            }
            sent.add(line.toString());
            burst.append(line).append('\n');
        }
        LineClient publisher = clients.get(0);
        ExecutorService writer = Executors.newSingleThreadExecutor();
        try {
            // One write of the whole burst (~0.4 MB), from its own thread: the reads below
            // drain the publisher's own echo meanwhile, or both sides would block.
            Future<?> sending = writer.submit(() -> {
                publisher.sendRaw(burst.toString().getBytes(StandardCharsets.US_ASCII));
                return null;
            });
            for (int i = 0; i < clientsCount; i++) {
                for (int seq = 0; seq < sent.size(); seq++) {
                    assertEquals(sent.get(seq), clients.get(i).readLine(), "client " + i + ", message " + seq);
                }
            }
            sending.get(30, TimeUnit.SECONDS);
        } finally {
            writer.shutdownNow();
        }
    }

    @Test
    void largeMessagesReachASlowReaderWithATinyReceiveBufferByteExact() throws IOException {
        int size = 200 * 1024;
        int count = 5;
        fanout = RunningServer.start(ServerConfig.forTests()
                .withMaxMessage(256 * 1024)
                .withSlow(SlowPolicySettings.hardOnly(8L << 20)) // slow, but not slow enough to cut
                .withSocketSendBuffer(4096));
        LineClient slowReader = fanout.connect(LineClient.builder().receiveBuffer(4096).readChunk(512));
        LineClient publisher = fanout.connect();
        fanout.awaitClients(2);
        long writeCallsBefore = fanout.server().engine().loops().get(0).stats().writeCalls;

        List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] line = new byte[size];
            for (int j = 0; j < size; j++) {
                line[j] = (byte) (' ' + (j * 31 + i * 7) % 95); // printable, never '\n'
            }
            sent.add(line);
            byte[] wire = new byte[size + 1];
            System.arraycopy(line, 0, wire, 0, size);
            wire[size] = '\n';
            publisher.sendRaw(wire);
        }

        for (int i = 0; i < count; i++) {
            assertArrayEquals(sent.get(i), slowReader.readLineBytes(), "large message " + i);
        }
        for (int i = 0; i < count; i++) {
            assertArrayEquals(sent.get(i), publisher.readLineBytes(), "echo of large message " + i);
        }
        long writeCalls = fanout.server().engine().loops().get(0).stats().writeCalls - writeCallsBefore;
        assertTrue(writeCalls > 10L * count,
                "a 4 KiB socket cannot take 200 KiB at once: expected many partial writes, saw " + writeCalls);
        assertEquals(0, fanout.closed(CloseReason.SLOW_HARD));
    }
}
