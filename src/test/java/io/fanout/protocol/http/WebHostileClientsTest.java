package io.fanout.protocol.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.fanout.engine.CloseReason;
import io.fanout.engine.EventLoop;
import io.fanout.server.ServerConfig;
import io.fanout.server.WebConfig;
import io.fanout.testing.Await;
import io.fanout.testing.RawWsClient;

/** Hostile and broken clients on real sockets: the right answer, the right close, nobody else touched. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebHostileClientsTest {

    static long closed(WebServer w, CloseReason reason) {
        long n = 0;
        for (EventLoop l : w.server.engine().loops()) {
            n += l.stats().closed(reason);
        }
        return n;
    }

    static RawWsClient.Frame closeAfter(WebServer w, byte[] bytes) throws IOException {
        try (RawWsClient c = RawWsClient.connect(w.httpAddress(), "/ws/room")) {
            c.sendRaw(bytes);
            RawWsClient.Frame f = c.readDataOrClose();
            assertEquals(0x8, f.opcode(), "a close frame");
            assertTrue(c.readsEndOfStream(), "then the TCP close");
            return f;
        }
    }

    @Test
    void brokenFramesGetACloseFrameWithTheRightCode() throws Exception {
        try (WebServer w = WebServer.start(ServerConfig.forTests().withMaxMessage(1000).withWeb(WebConfig.onFreePort()))) {
            RawWsClient.Frame f = closeAfter(w, RawWsClient.frame(true, 1, "x".getBytes(), null, 0));
            assertEquals(1002, f.closeCode());
            assertEquals("client frames must be masked", f.closeReason());
            assertEquals(1002, closeAfter(w, RawWsClient.maskedFrame(true, 0xB, new byte[0])).closeCode());
            assertEquals(1007, closeAfter(w, RawWsClient.maskedFrame(true, 1, new byte[] {(byte) 0xFF})).closeCode());
            assertEquals(1009, closeAfter(w, RawWsClient.maskedFrame(true, 2, new byte[1001])).closeCode());
            Await.until(() -> closed(w, CloseReason.PROTOCOL_ERROR) == 3, "three protocol-error closes");
            Await.until(() -> closed(w, CloseReason.MESSAGE_TOO_LONG) == 1, "one message-too-long close");
        }
    }

    @Test
    void aClientCloseIsEchoedAndAPingAnswered() throws Exception {
        try (WebServer w = WebServer.start();
             RawWsClient c = RawWsClient.connect(w.httpAddress(), "/ws/room")) {
            c.sendRaw(RawWsClient.maskedFrame(true, 0x9, "are you there".getBytes()));
            RawWsClient.Frame pong = c.readFrame();
            assertEquals(0xA, pong.opcode());
            assertEquals("are you there", pong.text());
            c.sendRaw(RawWsClient.maskedFrame(true, 0x8, new byte[] {0x0F, (byte) 0xA0, 'o', 'k'}));
            RawWsClient.Frame close = c.readFrame();
            assertEquals(0x8, close.opcode());
            assertEquals(4000, close.closeCode());
            assertTrue(c.readsEndOfStream());
            Await.until(() -> closed(w, CloseReason.CLIENT_CLOSED) == 1, "closed as client-closed");
        }
    }

    @Test
    void badHandshakesAreRefusedBeforeAnyUpgrade() throws Exception {
        try (WebServer w = WebServer.start()) {
            assertEquals(426, w.request("GET", "/ws/a", "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\nSec-WebSocket-Version: 8\r\n", null).status());
            assertEquals(400, w.request("GET", "/ws/a", "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Version: 13\r\n", null).status());
            assertEquals(400, w.request("GET", "/ws/a", "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: c2hvcnQ=\r\nSec-WebSocket-Version: 13\r\n", null).status());
            assertEquals(400, w.get("/ws/a").status(), "no Upgrade at all");
            assertEquals(405, w.request("POST", "/ws/a", "", new byte[0]).status());
            try (RawWsClient c = RawWsClient.open(w.httpAddress(), "/ws", "Sec-WebSocket-Protocol: chat\r\n", 0)) {
                assertTrue(c.readResponseHead().startsWith("HTTP/1.1 400 "));
            }
            assertEquals(0, w.server.engine().connectedClients("ws"));
        }
    }

    @Test
    void plainRequestsOverTheLimitsGetTheirStatus() throws Exception {
        try (WebServer w = WebServer.start(ServerConfig.forTests().withMaxMessage(100).withWeb(WebConfig.onFreePort()))) {
            assertEquals(413, w.request("POST", "/publish/a", "", new byte[101]).status());
            assertEquals(411, w.request("POST", "/publish/a", "", null).status());
            assertEquals(411, w.request("POST", "/publish/a", "Transfer-Encoding: chunked\r\n", null).status());
            assertEquals(405, w.get("/publish/a").status());
            assertEquals(404, w.get("/nothing-here").status());
            assertEquals(431, w.request("GET", "/", "X-Big: " + "x".repeat(20_000) + "\r\n", null).status());
            assertEquals(414, w.get("/" + "x".repeat(9_000)).status());
        }
    }

    @Test
    void keepAliveServesSeveralRequestsOnOneConnectionInOrder() throws Exception {
        try (WebServer w = WebServer.start(); Socket s = new Socket()) {
            s.setSoTimeout(10_000);
            s.connect(w.httpAddress());
            s.getOutputStream().write(("GET /stats HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "POST /publish/k HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
                    + "GET / HTTP/1.1\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int a = all.indexOf("HTTP/1.1 200 OK");
            int b = all.indexOf("HTTP/1.1 404 Not Found");
            int c = all.indexOf("{\"receivers\":0}");
            int d = all.lastIndexOf("HTTP/1.1 200 OK");
            assertTrue(a >= 0 && a < b && b < c && c < d, all);
        }
    }

    @Test
    void slowHeadersGet408AndIdleKeepAlivesAreClosed() throws Exception {
        WebConfig web = WebConfig.onFreePort().withRequestTimeoutNanos(1_000_000_000L);
        try (WebServer w = WebServer.start(ServerConfig.forTests().withWeb(web));
             Socket slow = new Socket(); Socket idle = new Socket(); Socket silent = new Socket()) {
            for (Socket s : new Socket[] {slow, idle, silent}) {
                s.setSoTimeout(10_000);
                s.connect(w.httpAddress());
            }
            slow.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\nX-Drip: ".getBytes(StandardCharsets.ISO_8859_1));
            idle.getOutputStream().write("GET /stats HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            String slowAnswer = new String(slow.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(slowAnswer.startsWith("HTTP/1.1 408 "), slowAnswer);
            String idleAnswer = new String(idle.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(idleAnswer.startsWith("HTTP/1.1 200 OK") && !idleAnswer.contains("408"), idleAnswer);
            String silentAnswer = new String(silent.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(silentAnswer.startsWith("HTTP/1.1 408 "), silentAnswer);
            Await.until(() -> closed(w, CloseReason.REQUEST_TIMEOUT) == 3, "three request-timeout closes");
        }
    }

    @Test
    void aWebSocketThatNeverAnswersPingsIsClosed() throws Exception {
        WebConfig web = WebConfig.onFreePort().withPingIntervalNanos(1_000_000_000L);
        try (WebServer w = WebServer.start(ServerConfig.forTests().withWeb(web));
             RawWsClient dead = RawWsClient.connect(w.httpAddress(), "/ws/room");
             RawWsClient alive = RawWsClient.connect(w.httpAddress(), "/ws/room")) {
            RawWsClient.Frame ping = dead.readFrame();
            assertEquals(0x9, ping.opcode());
            // The dead one never answers; the live one answers every ping (as browsers do).
            Thread answering = new Thread(() -> {
                try {
                    while (true) {
                        alive.readDataOrClose();
                    }
                } catch (IOException ignored) {
                    // closed at the end of the test
                }
            });
            answering.start();
            assertTrue(dead.readsEndOfStream());
            Await.until(() -> closed(w, CloseReason.PING_TIMEOUT) == 1, "one ping-timeout close");
            assertEquals(1, w.server.engine().connectedClients("ws"), "the answering client stays");
            alive.close();
            answering.join(5_000);
        }
    }

    @Test
    void withRequirepassBrowsersNeedTheTokenBeforeAnyUpgrade() throws Exception {
        ServerConfig config = ServerConfig.forTests().withRequirePass("s3cret").withWeb(WebConfig.onFreePort());
        try (WebServer w = WebServer.start(config)) {
            assertEquals(200, w.get("/").status(), "the page itself is public");
            assertEquals(401, w.get("/stats").status());
            assertEquals(200, w.get("/stats?token=s3cret").status());
            assertEquals(200, w.request("GET", "/stats", "Authorization: Bearer s3cret\r\n", null).status());
            assertEquals(401, w.request("GET", "/stats", "Authorization: Bearer wrong\r\n", null).status());
            assertEquals(401, w.request("POST", "/publish/a", "", "x".getBytes()).status());
            assertEquals(200, w.request("POST", "/publish/a?token=s3cret", "", "x".getBytes()).status());
            assertEquals(401, w.get("/sse/a").status());
            try (RawWsClient c = RawWsClient.open(w.httpAddress(), "/ws/a", "", 0)) {
                String head = c.readResponseHead();
                assertTrue(head.startsWith("HTTP/1.1 401 ") && head.contains("WWW-Authenticate: Bearer"), head);
            }
            try (RawWsClient c = RawWsClient.open(w.httpAddress(), "/ws/a?token=wrong", "", 0)) {
                assertTrue(c.readResponseHead().startsWith("HTTP/1.1 401 "));
            }
            WebServer.Ws ok = w.webSocket("/ws/a?token=s3cret");
            w.awaitClients("ws", 1);
            ok.close();
            Await.until(() -> closed(w, CloseReason.AUTH_FAILED) >= 6, "auth-failed closes");
        }
    }

    @Test
    void allowedOriginsRestrictWebSocketHandshakes() throws Exception {
        WebConfig web = WebConfig.onFreePort().withAllowedOrigins(Set.of("https://chat.example.com"));
        try (WebServer w = WebServer.start(ServerConfig.forTests().withWeb(web))) {
            try (RawWsClient c = RawWsClient.open(w.httpAddress(), "/ws/a", "Origin: https://evil.example\r\n", 0)) {
                assertTrue(c.readResponseHead().startsWith("HTTP/1.1 403 "));
            }
            try (RawWsClient c = RawWsClient.open(w.httpAddress(), "/ws/a", "Origin: https://Chat.Example.com/\r\n", 0)) {
                assertTrue(c.readResponseHead().startsWith("HTTP/1.1 101 "));
            }
            try (RawWsClient c = RawWsClient.open(w.httpAddress(), "/ws/a", "", 0)) {
                assertTrue(c.readResponseHead().startsWith("HTTP/1.1 101 "), "no Origin: not a browser");
            }
        }
    }
}
