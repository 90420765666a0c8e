package io.fanout.protocol.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.fanout.testing.LineClient;

/** The HTTP listener's plain routes and the raw WebSocket, with real sockets and the JDK client. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebListenerTest {

    @Test
    void thePageIsServedFromTheJarWithItsContentTypeAndRevalidates() throws Exception {
        try (WebServer w = WebServer.start()) {
            WebServer.Response page = w.get("/");
            assertEquals(200, page.status());
            assertEquals("text/html; charset=utf-8", page.header("Content-Type"));
            assertTrue(page.bodyText().contains("<html") || page.bodyText().contains("<!doctype"), page.bodyText());
            String etag = page.header("ETag");
            assertNotNull(etag);
            assertEquals("no-cache", page.header("Cache-Control"));
            assertEquals(page.body().length, Integer.parseInt(page.header("Content-Length")));

            WebServer.Response again = w.request("GET", "/index.html", "If-None-Match: " + etag + "\r\n", null);
            assertEquals(304, again.status());
            assertEquals(0, again.body().length);

            WebServer.Response head = w.request("HEAD", "/", "", null);
            assertEquals(200, head.status());
            assertEquals(0, head.body().length);
        }
    }

    @Test
    void nothingOutsideTheWebFolderCanBeReached() throws Exception {
        try (WebServer w = WebServer.start()) {
            for (String target : new String[] {"/../pom.xml", "/%2e%2e/io/fanout/server/Main.class", "/web/index.html",
                    "/logback.xml", "/io/fanout/server/Main.class", "/index.html/", "/.hidden", "/missing.js"}) {
                int status = w.get(target).status();
                assertTrue(status == 404 || status == 400, target + " gave " + status);
            }
            assertEquals(405, w.request("DELETE", "/", "", null).status());
        }
    }

    @Test
    void statsHasEveryFieldOfTheSchema() throws Exception {
        try (WebServer w = WebServer.start()) {
            WebServer.Response r = w.get("/stats");
            assertEquals(200, r.status());
            assertEquals("application/json", r.header("Content-Type"));
            String json = r.bodyText();
            Pattern schema = Pattern.compile("\\{\"server\":\"fanout\",\"version\":\"[^\"]+\",\"uptime_ms\":\\d+,"
                    + "\"clients\":\\{\"line\":\\d+,\"resp\":\\d+,\"ws\":\\d+,\"sse\":\\d+,\"http\":(\\d+)},"
                    + "\"published\":\\d+,\"deliveries\":\\d+,\"pending_bytes\":\\d+,"
                    + "\"slow_cuts\":\\{\"slow-hard\":\\d+,\"slow-soft\":\\d+,\"slow-deadline\":\\d+,\"slow-budget\":\\d+},"
                    + "\"dropped_messages\":\\d+}");
            var m = schema.matcher(json);
            assertTrue(m.matches(), json);
            assertEquals("1", m.group(1), "the asking connection counts as http: " + json);
        }
    }

    @Test
    void aRawWebSocketMeetsLineClientsOnTheBroadcastChannel() throws Exception {
        try (WebServer w = WebServer.start();
             LineClient nc = LineClient.connect(w.server.lineAddress())) {
            WebServer.Ws browser = w.webSocket("/ws/broadcast");
            w.awaitClients("ws", 1);
            w.awaitClients("line", 1);
            assertEquals(0, w.clients("http"), "an upgraded connection no longer counts as http");

            nc.send("hello from nc");
            assertEquals("hello from nc", browser.next());
            assertEquals("hello from nc", nc.readLine());

            browser.send("hello from the browser");
            assertEquals("hello from the browser", nc.readLine());
            assertEquals("hello from the browser", browser.next(), "the sender receives its own message too");

            nc.sendRaw(new byte[] {(byte) 0xFF, (byte) 0xFE, '\n'});
            assertArrayEquals(new byte[] {(byte) 0xFF, (byte) 0xFE}, (byte[]) browser.next(), "not UTF-8: a binary frame");

            String stats = w.get("/stats").bodyText();
            assertTrue(stats.contains("\"ws\":1") && stats.contains("\"line\":1"), stats);
            // The Prometheus gauge has one series per label, upgrades included.
            assertEquals(java.util.List.of("line", "resp", "http", "ws", "sse"), w.server.engine().clientLabels());
            browser.close();
            nc.close();
        }
    }

    @Test
    void postPublishReachesBrowsersAndLineClientsAndCountsThem() throws Exception {
        try (WebServer w = WebServer.start();
             LineClient nc = LineClient.connect(w.server.lineAddress())) {
            WebServer.Ws browser = w.webSocket("/ws/broadcast");
            w.awaitClients("ws", 1);
            w.awaitClients("line", 1);
            WebServer.Response r = w.request("POST", "/publish/broadcast", "",
                    "from a backend".getBytes(StandardCharsets.UTF_8));
            assertEquals(200, r.status());
            assertEquals("{\"receivers\":2}\n", r.bodyText());
            assertEquals("from a backend", browser.next());
            assertEquals("from a backend", nc.readLine());
            browser.close();
        }
    }

    @Test
    void anEmptyBodyPublishesAnEmptyMessageAndExpectContinueIsAnswered() throws Exception {
        try (WebServer w = WebServer.start();
             LineClient nc = LineClient.connect(w.server.lineAddress());
             java.net.Socket s = new java.net.Socket()) {
            w.awaitClients("line", 1);
            s.setSoTimeout(10_000);
            s.connect(w.httpAddress());
            var out = s.getOutputStream();
            out.write("POST /publish/broadcast HTTP/1.1\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("", nc.readLine(), "an empty message is a message");
            out.write(("POST /publish/broadcast HTTP/1.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] cont = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            java.io.InputStream in = s.getInputStream();
            String first = JsonModeAndSseTest.readUntil(in, "{\"receivers\":1}\n");
            assertTrue(first.startsWith("HTTP/1.1 200 OK"), first);
            String interim = JsonModeAndSseTest.readUntil(in, "\r\n\r\n");
            assertEquals(new String(cont, StandardCharsets.US_ASCII), interim, "the body may come now");
            out.write("hello".getBytes(StandardCharsets.US_ASCII));
            String second = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(second.startsWith("HTTP/1.1 200 OK") && second.endsWith("{\"receivers\":1}\n"), second);
            assertEquals("hello", nc.readLine());
        }
    }

    @Test
    void thePrometheusClientGaugeCountsUpgradedConnectionsAsWsAndSse() throws Exception {
        io.fanout.server.ServerConfig base = io.fanout.server.ServerConfig.forTests();
        io.fanout.server.ServerConfig config = new io.fanout.server.ServerConfig(base.bind(), 0, 0, 0, 1,
                base.maxClients(), base.maxMessageBytes(), null, base.lineChannel(), base.slow(), 0, base.drainMillis(),
                io.fanout.server.WebConfig.onFreePort());
        try (WebServer w = WebServer.start(config);
             java.net.Socket sse = JsonModeAndSseTest.sse(w, "/sse/a")) {
            JsonModeAndSseTest.readUntil(sse.getInputStream(), ": ok\n\n");
            WebServer.Ws ws = w.webSocket("/ws/a");
            w.awaitClients("ws", 1);
            var metrics = w.server.metricsAddress();
            String text;
            try (java.net.Socket s = new java.net.Socket()) {
                s.setSoTimeout(10_000);
                s.connect(metrics);
                s.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                text = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            }
            assertTrue(text.contains("fanout_connected_clients{proto=\"ws\"} 1.0"), text);
            assertTrue(text.contains("fanout_connected_clients{proto=\"sse\"} 1.0"), text);
            assertTrue(text.contains("fanout_connected_clients{proto=\"http\"} 0.0"), text);
            ws.close();
        }
    }

    @Test
    void aStoppingServerSaysGoingAwayToWebSocketsAndEventStreams() throws Exception {
        io.fanout.server.FanoutServer server = io.fanout.server.FanoutServer.start(
                io.fanout.server.ServerConfig.forTests().withWeb(io.fanout.server.WebConfig.onFreePort()));
        try (java.net.Socket sse = new java.net.Socket()) {
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            WebServer.Ws ws = new WebServer.Ws();
            ws.socket = http.newWebSocketBuilder().buildAsync(java.net.URI.create("ws://127.0.0.1:"
                    + server.httpAddress().getPort() + "/ws/a"), ws).join();
            sse.setSoTimeout(10_000);
            sse.connect(server.httpAddress());
            sse.getOutputStream().write("GET /sse/a HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            JsonModeAndSseTest.readUntil(sse.getInputStream(), ": ok\n\n");
            io.fanout.testing.Await.until(() -> server.engine().connectedClients("ws") == 1, "ws connected");
            server.close();
            assertEquals("1001 server shutting down", ws.closed.get(10, java.util.concurrent.TimeUnit.SECONDS));
            assertEquals("event: close\ndata: server shutting down\n\n",
                    JsonModeAndSseTest.readUntil(sse.getInputStream(), "\n\n"));
        } finally {
            server.close();
        }
    }
}
