package io.fanout.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.fanout.server.FanoutServer;
import io.fanout.server.ServerConfig;
import io.fanout.testing.Await;

/**
 * Issue 8, item 4: unfinished HTTP requests must neither block liveness nor stay forever.
 * On main, two clients that sent half a request held both request threads, and /healthz
 * waited 40-60 s behind them.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SlowHttpClientsTest {
    private static final int SLOW_CLIENTS = 10;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private FanoutServer server;
    private MetricsServer metrics;
    private final List<Socket> slow = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        server = FanoutServer.start(ServerConfig.forTests().withRespPort(-1));
        metrics = MetricsServer.start("127.0.0.1", 0, server.engine(), server.broker());
    }

    @AfterEach
    void stop() throws IOException {
        for (Socket s : slow) {
            s.close();
        }
        metrics.close();
        server.close();
    }

    @Test
    void tenUnfinishedRequestsLeaveHealthzAnsweringAndAreClosedAfterTheTimeout() throws Exception {
        InetSocketAddress address = metrics.address();
        for (int i = 0; i < SLOW_CLIENTS; i++) {
            Socket s = new Socket();
            s.connect(address, 2_000);
            // A request head without its final empty line: the server waits for the rest.
            String path = i % 2 == 0 ? "/metrics" : "/healthz";
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: x\r\n").getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            slow.add(s);
        }
        long started = System.nanoTime();

        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + address.getPort() + "/healthz")).timeout(Duration.ofSeconds(1)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            long millis = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(millis < 1_000, "/healthz took " + millis + " ms beside " + SLOW_CLIENTS + " unfinished requests");
        }

        // Each unfinished request is cut once REQUEST_SECONDS pass (checked every second).
        for (Socket s : slow) {
            s.setSoTimeout((MetricsServer.REQUEST_SECONDS + 5) * 1_000);
            assertTrue(closedByServer(s.getInputStream()), "an unfinished request's connection is closed");
        }
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
        assertTrue(seconds >= MetricsServer.REQUEST_SECONDS - 1 && seconds <= MetricsServer.REQUEST_SECONDS + 3,
                "closed after " + seconds + " s");
        Await.until(() -> metrics.address() != null, "server still up");
    }

    /** True when the server closed the connection (EOF or reset), reading away any reply. */
    private static boolean closedByServer(InputStream in) throws IOException {
        try {
            byte[] buf = new byte[512];
            while (in.read(buf) >= 0) {
                // An error reply, if any, before the close.
            }
            return true;
        } catch (SocketException e) {
            return true; // reset
        }
    }
}
