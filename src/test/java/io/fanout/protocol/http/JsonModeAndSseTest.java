package io.fanout.protocol.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.fanout.protocol.resp.it.RespConnection;
import io.fanout.testing.LineClient;

/** fanout.json WebSockets with the JDK client, Server-Sent Events on a raw socket, and bridging to RESP. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JsonModeAndSseTest {

    @Test
    void jsonModeSubscribesToChannelsAndPatternsAndPublishes() throws Exception {
        try (WebServer w = WebServer.start()) {
            WebServer.Ws a = w.webSocket("/ws", "fanout.json");
            assertEquals("fanout.json", a.socket.getSubprotocol());
            a.send("{\"op\":\"subscribe\",\"channel\":\"room\"}");
            assertEquals("{\"event\":\"subscribed\",\"channel\":\"room\"}", a.next());
            a.send("{\"op\":\"psubscribe\",\"pattern\":\"news.*\"}");
            assertEquals("{\"event\":\"psubscribed\",\"pattern\":\"news.*\"}", a.next());

            WebServer.Ws b = w.webSocket("/ws", "fanout.json");
            b.send("{\"op\":\"publish\",\"channel\":\"room\",\"data\":\"line one\\nsays \\\"hi\\\" \u00e9\"}");
            assertEquals("{\"event\":\"published\",\"channel\":\"room\",\"receivers\":1}", b.next());
            assertEquals("{\"channel\":\"room\",\"data\":\"line one\\nsays \\\"hi\\\" \u00e9\"}", a.next());

            b.send("{\"op\":\"publish\",\"channel\":\"news.1\",\"data64\":\"//4=\"}");
            assertEquals("{\"event\":\"published\",\"channel\":\"news.1\",\"receivers\":1}", b.next());
            assertEquals("{\"channel\":\"news.1\",\"pattern\":\"news.*\",\"data64\":\"//4=\"}", a.next());

            b.send("{\"op\":\"jump\"}");
            assertTrue(((String) b.next()).startsWith("{\"event\":\"error\",\"error\":\"unknown op"));
            b.send("{not json");
            assertTrue(((String) b.next()).startsWith("{\"event\":\"error\",\"error\":\"bad command"));
            b.socket.sendBinary(java.nio.ByteBuffer.wrap(new byte[] {1}), true).join();
            assertEquals("{\"event\":\"error\",\"error\":\"commands are JSON text frames\"}", b.next());

            a.send("{\"op\":\"unsubscribe\",\"channel\":\"room\"}");
            assertEquals("{\"event\":\"unsubscribed\",\"channel\":\"room\"}", a.next());
            b.send("{\"op\":\"publish\",\"channel\":\"room\",\"data\":\"x\"}");
            assertEquals("{\"event\":\"published\",\"channel\":\"room\",\"receivers\":0}", b.next());
            a.close();
            b.close();
        }
    }

    @Test
    void oneSocketCannotHoldMoreThanTheSubscriptionCap() throws Exception {
        try (WebServer w = WebServer.start()) {
            WebServer.Ws a = w.webSocket("/ws", "fanout.json");
            int cap = io.fanout.protocol.ws.WsSession.MAX_SUBSCRIPTIONS;
            for (int i = 0; i < cap; i++) {
                a.socket.sendText("{\"op\":\"subscribe\",\"channel\":\"c" + i + "\"}", true).join();
            }
            for (int i = 0; i < cap; i++) {
                assertEquals("{\"event\":\"subscribed\",\"channel\":\"c" + i + "\"}", a.next());
            }
            a.send("{\"op\":\"psubscribe\",\"pattern\":\"one-more*\"}");
            assertEquals("{\"event\":\"error\",\"error\":\"too many subscriptions on one socket (max " + cap + ")\"}",
                    a.next());
            a.close();
        }
    }

    @Test
    void redisPublishReachesBrowsersAndCountsThem() throws Exception {
        try (WebServer w = WebServer.start();
             LineClient nc = LineClient.connect(w.server.lineAddress());
             RespConnection redis = RespConnection.open(w.server.respAddress())) {
            WebServer.Ws raw = w.webSocket("/ws/broadcast");
            WebServer.Ws json = w.webSocket("/ws", "fanout.json");
            json.send("{\"op\":\"subscribe\",\"channel\":\"broadcast\"}");
            json.next();
            w.awaitClients("ws", 2);
            w.awaitClients("line", 1);
            assertEquals(3L, redis.call("PUBLISH", "broadcast", "hi").asLong(), "line + raw ws + json ws");
            assertEquals("hi", raw.next());
            assertEquals("{\"channel\":\"broadcast\",\"data\":\"hi\"}", json.next());
            assertEquals("hi", nc.readLine());
            raw.close();
            json.close();
        }
    }

    @Test
    void serverSentEventsCarryMultiLinePayloadsAndJsonEnvelopes() throws Exception {
        try (WebServer w = WebServer.start();
             Socket plain = sse(w, "/sse/room");
             Socket multi = sse(w, "/sse?channel=room&pattern=n*")) {
            String head = readUntil(plain.getInputStream(), ": ok\n\n");
            assertTrue(head.startsWith("HTTP/1.1 200 OK\r\n"), head);
            assertTrue(head.contains("Content-Type: text/event-stream"), head);
            readUntil(multi.getInputStream(), ": ok\n\n");
            w.awaitClients("sse", 2);

            publish(w, "room", "one\ntwo\r\nthree".getBytes(StandardCharsets.UTF_8));
            assertEquals("data: one\ndata: two\ndata: three\n\n", readUntil(plain.getInputStream(), "\n\n"));
            assertEquals("data: {\"channel\":\"room\",\"data\":\"one\\ntwo\\r\\nthree\"}\n\n",
                    readUntil(multi.getInputStream(), "\n\n"));

            publish(w, "room", new byte[] {(byte) 0xC3});
            assertEquals("event: binary\ndata: ww==\n\n", readUntil(plain.getInputStream(), "\n\n"));
            assertEquals("data: {\"channel\":\"room\",\"data64\":\"ww==\"}\n\n", readUntil(multi.getInputStream(), "\n\n"));

            publish(w, "news", "n".getBytes(StandardCharsets.UTF_8));
            assertEquals("data: {\"channel\":\"news\",\"pattern\":\"n*\",\"data\":\"n\"}\n\n",
                    readUntil(multi.getInputStream(), "\n\n"));
            assertTrue(w.get("/stats").bodyText().contains("\"sse\":2"));
        }
    }

    @Test
    void sseWithoutTopicsIsRefused() throws Exception {
        try (WebServer w = WebServer.start()) {
            assertEquals(400, w.get("/sse").status());
            assertEquals(400, w.get("/sse?channel=").status());
            assertEquals(405, w.request("POST", "/sse/a", "", new byte[0]).status());
        }
    }

    @Test
    void idleEventStreamsGetAPingCommentEveryInterval() throws Exception {
        io.fanout.server.ServerConfig config = io.fanout.server.ServerConfig.forTests()
                .withWeb(io.fanout.server.WebConfig.onFreePort().withPingIntervalNanos(1_000_000_000L));
        try (WebServer w = WebServer.start(config); Socket s = sse(w, "/sse/quiet")) {
            readUntil(s.getInputStream(), ": ok\n\n");
            assertEquals(": ping\n\n", readUntil(s.getInputStream(), "\n\n"));
            assertEquals(": ping\n\n", readUntil(s.getInputStream(), "\n\n"));
        }
    }

    static void publish(WebServer w, String channel, byte[] body) throws IOException {
        WebServer.Response r = w.request("POST", "/publish/" + channel, "", body);
        assertEquals(200, r.status(), r.bodyText());
    }

    static Socket sse(WebServer w, String target) throws IOException {
        Socket s = new Socket();
        s.setSoTimeout(10_000);
        s.connect(w.httpAddress(), 5_000);
        s.getOutputStream().write(("GET " + target + " HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        return s;
    }

    /** Reads until the text ends with {@code end}; returns all of it. */
    static String readUntil(InputStream in, String end) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        while (!got.toString(StandardCharsets.UTF_8).endsWith(end)) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("end of stream after: " + got.toString(StandardCharsets.UTF_8));
            }
            got.write(b);
        }
        return got.toString(StandardCharsets.UTF_8);
    }
}
