package io.fanout.protocol.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.fanout.engine.CloseReason;
import io.fanout.policy.SlowPolicyMode;
import io.fanout.policy.SlowPolicySettings;
import io.fanout.server.ServerConfig;
import io.fanout.server.WebConfig;
import io.fanout.testing.LineClient;
import io.fanout.testing.RawWsClient;

/**
 * --slow-policy drop-oldest with browsers: a fanout.json WebSocket and an SSE stream that
 * stop reading lose whole messages, are told where and how many
 * ({@code {"event":"dropped","missed":N}}, {@code event: dropped}), and are never cut.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class DropOldestBrowserTest {
    static final int MESSAGES = 3000;
    static final Pattern SEQ = Pattern.compile("\"data\":\"m(\\d+) ");
    static final Pattern MISSED = Pattern.compile("\"missed\":(\\d+)");

    @Test
    void stalledJsonWebSocketsAndSseStreamsAreToldHowManyMessagesTheyMissed() throws Exception {
        SlowPolicySettings dropOldest = new SlowPolicySettings(16 * 1024, 0, 0, 0, 0, SlowPolicyMode.DROP_OLDEST, 0);
        ServerConfig config = ServerConfig.forTests().withSlow(dropOldest).withSocketSendBuffer(4096)
                .withWeb(WebConfig.onFreePort());
        try (WebServer w = WebServer.start(config);
             RawWsClient ws = RawWsClient.open(w.httpAddress(), "/ws", "Sec-WebSocket-Protocol: fanout.json\r\n", 4096);
             Socket sse = new Socket();
             LineClient publisher = LineClient.connect(w.server.lineAddress())) {
            assertTrue(ws.readResponseHead().contains("Sec-WebSocket-Protocol: fanout.json"));
            ws.sendText("{\"op\":\"subscribe\",\"channel\":\"broadcast\"}");
            assertEquals("{\"event\":\"subscribed\",\"channel\":\"broadcast\"}", ws.readFrame().text());
            sse.setReceiveBufferSize(4096);
            sse.setSoTimeout(10_000);
            sse.connect(w.httpAddress());
            sse.getOutputStream().write("GET /sse?channel=broadcast HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            JsonModeAndSseTest.readUntil(sse.getInputStream(), ": ok\n\n");
            w.awaitClients("ws", 1);
            w.awaitClients("sse", 1);

            // Neither browser reads while the publisher floods; the publisher reads its own echo.
            for (int seq = 0; seq < MESSAGES; ) {
                StringBuilder wire = new StringBuilder();
                int first = seq;
                for (int i = 0; i < 50; i++, seq++) {
                    wire.append("m").append(seq).append(' ').append("x".repeat(100)).append('\n');
                }
                publisher.sendRaw(wire.toString().getBytes(StandardCharsets.US_ASCII));
                for (int i = first; i < seq; i++) {
                    assertTrue(publisher.readLine().startsWith("m" + i + " "));
                }
            }

            int wsDropped = 0;
            int expected = 0;
            while (expected < MESSAGES) {
                String text = ws.readDataOrClose().text();
                Matcher missed = MISSED.matcher(text);
                if (missed.find()) {
                    int n = Integer.parseInt(missed.group(1));
                    wsDropped += n;
                    expected += n; // the gap is exactly where the notice is
                    continue;
                }
                Matcher m = SEQ.matcher(text);
                assertTrue(m.find(), text);
                assertEquals(expected, Integer.parseInt(m.group(1)), "messages in order, gaps announced");
                expected++;
            }
            assertTrue(wsDropped > 0, "the stalled WebSocket must have lost some messages");

            BufferedReader events = new BufferedReader(new InputStreamReader(sse.getInputStream(), StandardCharsets.UTF_8));
            int sseDropped = 0;
            expected = 0;
            String pendingEvent = null;
            while (expected < MESSAGES) {
                String line = events.readLine();
                if (line.startsWith("event: ")) {
                    pendingEvent = line.substring(7);
                } else if (line.startsWith("data: ")) {
                    if ("dropped".equals(pendingEvent)) {
                        Matcher missed = MISSED.matcher(line);
                        assertTrue(missed.find(), line);
                        int n = Integer.parseInt(missed.group(1));
                        sseDropped += n;
                        expected += n;
                    } else {
                        Matcher m = SEQ.matcher(line);
                        assertTrue(m.find(), line);
                        assertEquals(expected, Integer.parseInt(m.group(1)), "events in order, gaps announced");
                        expected++;
                    }
                    pendingEvent = null;
                }
            }
            assertTrue(sseDropped > 0, "the stalled SSE stream must have lost some messages");
            assertEquals(0, WebHostileClientsTest.closed(w, CloseReason.SLOW_HARD), "drop-oldest cuts nobody here");
        }
    }
}
