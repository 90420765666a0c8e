package io.fanout.broker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.fanout.server.FanoutServer;
import io.fanout.server.ServerConfig;
import io.fanout.testing.Await;

/**
 * A pipelined burst is appended into one shared frame per turn (TopicShard's batching); these
 * tests prove the bytes each subscriber sees are exactly what one frame per message would
 * give, including when a subscriber's own replies interleave with the burst, as Redis orders
 * them (message, then the PUBLISH reply, then the next command's reply).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BurstBatchingTest {
    private FanoutServer server;

    @BeforeEach
    void start() throws IOException {
        server = FanoutServer.start(ServerConfig.forTests());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private Socket connect() throws IOException {
        Socket s = new Socket();
        s.setSoTimeout(10_000);
        s.connect(server.respAddress());
        return s;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static String bulk(String s) {
        return "$" + s.length() + "\r\n" + s + "\r\n";
    }

    private static String command(String... args) {
        StringBuilder sb = new StringBuilder("*" + args.length + "\r\n");
        for (String a : args) {
            sb.append(bulk(a));
        }
        return sb.toString();
    }

    /** Reads exactly {@code n} bytes (or fails on timeout / early end of stream). */
    private static byte[] readExactly(InputStream in, int n) throws IOException {
        byte[] out = in.readNBytes(n);
        if (out.length != n) {
            throw new IOException("stream ended after " + out.length + " of " + n + " bytes");
        }
        return out;
    }

    /** Reads until the bytes read so far end with {@code suffix}. */
    private static void readUntil(InputStream in, String suffix) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        while (!got.toString(StandardCharsets.ISO_8859_1).endsWith(suffix)) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("stream ended before " + suffix.replace("\r\n", "\\r\\n"));
            }
            got.write(b);
        }
    }

    @Test
    void aPipelinedBurstArrivesExactlyAsOneFramePerMessageWould() throws IOException {
        try (Socket resp2 = connect(); Socket resp3 = connect(); Socket publisher = connect()) {
            resp2.getOutputStream().write(ascii(command("SUBSCRIBE", "ch")));
            readUntil(resp2.getInputStream(), "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n");
            resp3.getOutputStream().write(ascii(command("HELLO", "3") + command("SUBSCRIBE", "ch")));
            readUntil(resp3.getInputStream(), ">3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n");

            int count = 2000;
            StringBuilder burst = new StringBuilder();
            StringBuilder expect2 = new StringBuilder();
            StringBuilder expect3 = new StringBuilder();
            StringBuilder replies = new StringBuilder();
            for (int i = 0; i < count; i++) {
                String m = "m" + i;
                burst.append(command("PUBLISH", "ch", m));
                expect2.append("*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n").append(bulk(m));
                expect3.append(">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n").append(bulk(m));
                replies.append(":2\r\n");
            }
            publisher.getOutputStream().write(ascii(burst.toString()));

            assertArrayEquals(ascii(replies.toString()),
                    readExactly(publisher.getInputStream(), replies.length()));
            assertArrayEquals(ascii(expect2.toString()), readExactly(resp2.getInputStream(), expect2.length()));
            assertArrayEquals(ascii(expect3.toString()), readExactly(resp3.getInputStream(), expect3.length()));
        }
        Await.until(() -> server.engine().totalPendingBytes() == 0, "nothing left queued");
    }

    @Test
    void aSubscribersOwnRepliesInterleaveWithTheBurstInRedisOrder() throws IOException {
        try (Socket watcher = connect(); Socket talker = connect()) {
            watcher.getOutputStream().write(ascii(command("SUBSCRIBE", "ch")));
            readUntil(watcher.getInputStream(), "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n");
            talker.getOutputStream().write(ascii(command("HELLO", "3") + command("SUBSCRIBE", "ch")));
            readUntil(talker.getInputStream(), ">3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n");

            int count = 1000;
            StringBuilder burst = new StringBuilder();
            StringBuilder expectTalker = new StringBuilder();
            StringBuilder expectWatcher = new StringBuilder();
            for (int i = 0; i < count; i++) {
                String m = "msg-" + i;
                burst.append(command("PUBLISH", "ch", m)).append(command("PING"));
                expectTalker.append(">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n").append(bulk(m)).append(":2\r\n+PONG\r\n");
                expectWatcher.append("*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n").append(bulk(m));
            }
            talker.getOutputStream().write(ascii(burst.toString()));

            assertArrayEquals(ascii(expectTalker.toString()),
                    readExactly(talker.getInputStream(), expectTalker.length()));
            assertArrayEquals(ascii(expectWatcher.toString()),
                    readExactly(watcher.getInputStream(), expectWatcher.length()));
        }
    }
}
