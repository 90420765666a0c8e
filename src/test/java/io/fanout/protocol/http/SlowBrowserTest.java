package io.fanout.protocol.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.fanout.engine.CloseReason;
import io.fanout.policy.SlowPolicySettings;
import io.fanout.server.ServerConfig;
import io.fanout.server.WebConfig;
import io.fanout.testing.Await;
import io.fanout.testing.LineClient;
import io.fanout.testing.RawWsClient;

/**
 * A WebSocket client that never reads (small SO_RCVBUF) is cut by the hard rule, while a
 * healthy WebSocket client and an nc-style line client get every message, in order,
 * byte-exact; what the stalled one got is a prefix of the stream, then at most the 1013 close.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SlowBrowserTest {

    @Test
    void aWebSocketThatNeverReadsIsCutWhileHealthyBrowsersAndLineClientsGetEveryMessage() throws Exception {
        int threshold = 64 * 1024;
        ServerConfig config = ServerConfig.forTests().withSlow(SlowPolicySettings.hardOnly(threshold))
                .withSocketSendBuffer(4096).withWeb(WebConfig.onFreePort());
        List<String> published = new ArrayList<>();
        try (WebServer w = WebServer.start(config);
             RawWsClient stalled = RawWsClient.open(w.httpAddress(), "/ws/broadcast", "", 4096);
             LineClient publisher = LineClient.connect(w.server.lineAddress());
             LineClient nc = LineClient.connect(w.server.lineAddress())) {
            assertTrue(stalled.readResponseHead().startsWith("HTTP/1.1 101 "));
            WebServer.Ws healthy = w.webSocket("/ws/broadcast");
            w.awaitClients("ws", 2);
            w.awaitClients("line", 2);

            int seq = 0;
            byte[] stalledGot = null;
            while (stalledGot == null || seq < 2000) {
                if (seq > 20_000) {
                    fail("a WebSocket that never reads was not cut");
                }
                List<String> window = new ArrayList<>();
                StringBuilder wire = new StringBuilder();
                for (int i = 0; i < 20; i++, seq++) {
                    String m = "m" + seq + " " + "é".repeat(60) + "x".repeat(seq % 50);
                    window.add(m);
                    wire.append(m).append('\n');
                }
                publisher.sendRaw(wire.toString().getBytes(StandardCharsets.UTF_8));
                published.addAll(window);
                for (String m : window) {
                    assertEquals(m, publisher.readLine());
                    assertEquals(m, nc.readLine(), "the nc client missed a message or got it out of order");
                    assertEquals(m, healthy.next(), "the healthy browser missed a message or got it out of order");
                }
                if (stalledGot == null && WebHostileClientsTest.closed(w, CloseReason.SLOW_HARD) > 0) {
                    // Cut: now it reads, and the close frame that lingered for it arrives last.
                    stalledGot = readAll(stalled.socket().getInputStream());
                }
            }
            Await.until(() -> w.clients("ws") == 1, "the stalled WebSocket is gone");
            assertEquals(1, WebHostileClientsTest.closed(w, CloseReason.SLOW_HARD), "only the stalled one was cut");
            assertTrue(checkPrefixThenMaybeClose(stalledGot, published), "the 1013 close frame arrived");
            healthy.close();
        }
    }

    static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try {
            for (int n; (n = in.read(buf)) >= 0; ) {
                out.write(buf, 0, n);
            }
        } catch (SocketException reset) {
            // closed with unread data: a reset, what arrived before still counts
        }
        return out.toByteArray();
    }

    /** Whole text frames equal to the published messages in order, then optionally a 1013 close. */
    static boolean checkPrefixThenMaybeClose(byte[] got, List<String> published) {
        ByteBuffer b = ByteBuffer.wrap(got);
        int i = 0;
        while (b.remaining() >= 2) {
            int start = b.position();
            int b0 = b.get() & 0xFF;
            int len = b.get() & 0x7F;
            if (len == 126) {
                if (b.remaining() < 2) {
                    return false;
                }
                len = b.getShort() & 0xFFFF;
            }
            if (b.remaining() < len) {
                return false; // the stream may end inside the last frame it carried
            }
            byte[] payload = new byte[len];
            b.get(payload);
            if (b0 == 0x88) {
                assertEquals(1013, ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF));
                assertEquals("slow consumer: slow-hard", new String(payload, 2, len - 2, StandardCharsets.UTF_8));
                assertEquals(0, b.remaining(), "nothing after the close frame");
                return true;
            }
            assertEquals(0x81, b0, "a text frame at byte " + start);
            assertEquals(published.get(i), new String(payload, StandardCharsets.UTF_8), "message " + i);
            i++;
        }
        return false;
    }
}
