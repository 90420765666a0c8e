package io.fanout.protocol.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.fanout.engine.CloseReason;
import io.fanout.server.ServerConfig;
import io.fanout.server.WebConfig;
import io.fanout.testing.Await;

/** Many sockets that open the HTTP port and say nothing cost nothing and go away on the request timeout. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class IdleSocketsTest {
    static final int IDLE = 2000;

    @Test
    void twoThousandSilentSocketsAreClosedByTheRequestTimeoutWhileABrowserChats() throws Exception {
        WebConfig web = WebConfig.onFreePort().withRequestTimeoutNanos(2_000_000_000L);
        List<Socket> idle = new ArrayList<>();
        try (WebServer w = WebServer.start(ServerConfig.forTests().withWeb(web))) {
            try {
                for (int i = 0; i < IDLE; i++) {
                    Socket s = new Socket();
                    s.connect(w.httpAddress(), 5_000);
                    idle.add(s);
                }
                w.awaitClients("http", IDLE);
                WebServer.Ws a = w.webSocket("/ws/room");
                WebServer.Ws b = w.webSocket("/ws/room");
                w.awaitClients("ws", 2);
                for (int i = 0; i < 50; i++) {
                    a.send("m" + i);
                    assertEquals("m" + i, b.next());
                    assertEquals("m" + i, a.next());
                }
                Await.until(() -> w.clients("http") == 0, java.time.Duration.ofSeconds(30),
                        () -> "every silent socket closed (" + w.clients("http") + " left)");
                assertEquals(IDLE, WebHostileClientsTest.closed(w, CloseReason.REQUEST_TIMEOUT));
                a.send("still here");
                assertEquals("still here", b.next());
                a.close();
                b.close();
            } finally {
                for (Socket s : idle) {
                    s.close();
                }
            }
        }
    }
}
